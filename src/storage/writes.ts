import type { Queryable } from './db.ts';

/** One INSERT, UPDATE or DELETE without RETURNING, not sent yet: see runWrites. */
export interface Write {
  sql: string;
  params: unknown[];
}

/**
 * Runs several writes as one statement, each a data-modifying CTE of it: one round trip instead
 * of one per write. A round trip costs the server and PostgreSQL far more CPU than the writes of
 * a ledger operation themselves (bench:ledger), so the ledger sends what it writes together.
 *
 * What holds for data-modifying CTEs holds here: every write runs exactly once, all of them see
 * the database as it was before the statement (a write cannot read what another one writes), so
 * no two writes may change the same row; foreign keys are checked at the end of the statement,
 * so a row and the rows that refer to it may go together. Each write's `$n` are its own: they are
 * renumbered after the previous writes' (the SQL must hold no `$` other than its parameters).
 */
export async function runWrites(tx: Queryable, writes: readonly Write[]): Promise<void> {
  if (writes.length === 0) return;
  if (writes.length === 1) {
    await tx.query(writes[0].sql, writes[0].params);
    return;
  }
  const params: unknown[] = [];
  await tx.query(`WITH ${writeCtes(writes, params).join(',\n')}\nSELECT 1`, params);
}

/**
 * The writes as the CTEs `w0 AS (…)`, `w1 AS (…)`, … of a statement (see runWrites), their
 * parameters appended to `params` and their `$n` renumbered after the ones already there.
 */
export function writeCtes(writes: readonly Write[], params: unknown[]): string[] {
  return writes.map((write, n) => {
    const sql = renumberParameters(write.sql, params.length);
    params.push(...write.params);
    return `w${n} AS (${sql})`;
  });
}

/** `$1`, `$2`, … of `sql` moved up by `offset`, for SQL sent after `offset` other parameters. */
export const renumberParameters = (sql: string, offset: number) =>
  offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) + offset}`);
