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
  const parts = writes.map((write, n) => {
    const offset = params.length;
    params.push(...write.params);
    return `w${n} AS (${write.sql.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) + offset}`)})`;
  });
  await tx.query(`WITH ${parts.join(',\n')}\nSELECT 1`, params);
}
