import type { Allocation } from '../../domain/ledger/allocation.ts';
import type { Queryable } from '../db.ts';
import type { PageRequest } from '../pagination.ts';
import { revive } from './targets.ts';
import { everReversedSql } from './transactions.ts';
import { runWrites, type Write } from '../writes.ts';

export interface LotRow {
  id: string;
  programId: string;
  balanceId: string;
  transactionId: string;
  amount: number;
  remaining: number;
  blocked: number;
  expired: number;
  status: 'pending' | 'active' | 'expired' | 'cancelled';
  availableFrom: Date;
  expiresAt: Date | null;
  source: string;
  createdAt: Date;
}

const columns = `l.id, l.program_id AS "programId", l.balance_id AS "balanceId", l.transaction_id AS "transactionId",
  l.amount, l.remaining, l.blocked, l.expired, l.status, l.available_from AS "availableFrom", l.expires_at AS "expiresAt",
  l.source, l.created_at AS "createdAt"`;

export function insertLotsWrite(rows: readonly LotRow[]): Write {
  const column = <T>(pick: (l: LotRow) => T) => rows.map(pick);
  return {
    sql: `INSERT INTO lots (id, program_id, balance_id, transaction_id, amount, remaining, blocked, expired, status, available_from,
       expires_at, source, created_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
       $9::text[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::timestamptz[])`,
    params: [column((l) => l.id), column((l) => l.programId), column((l) => l.balanceId), column((l) => l.transactionId),
      column((l) => l.amount), column((l) => l.remaining), column((l) => l.blocked), column((l) => l.expired), column((l) => l.status),
      column((l) => l.availableFrom), column((l) => l.expiresAt), column((l) => l.source), column((l) => l.createdAt)],
  };
}

export const insertLotWrite = (lot: LotRow): Write => insertLotsWrite([lot]);

/** The active lots of a balance with free units (the caller holds the balance lock). */
export async function spendableLots(tx: Queryable, balanceId: string) {
  return tx.query<LotRow>(
    `SELECT ${columns} FROM lots l WHERE l.balance_id = $1 AND l.status = 'active' AND l.remaining > l.blocked
     ORDER BY l.expires_at NULLS LAST, l.created_at, l.id`,
    [balanceId],
  );
}

/** What the movements of a batch need of one balance's lots (see lotsForMovements). */
export interface BalanceLots {
  /** The balance's first spendable lots in consumption order, as many as cover `needed` (all of them when they do not). */
  spendable: LotRow[];
  /** Earliest expiry among the balance's other remaining lots (active or pending), which the batch leaves unchanged. */
  earliestOtherExpiry: Date | null;
  /** Whether a completed reversal ever took units back (asked only of balances said to be untouched). */
  everReversed: boolean;
}

/**
 * For each balance (locked by the caller): its spendable lots in spending order up to `needed`
 * free units, the earliest expiry of the rest of its remaining lots, and — when `untouched` —
 * whether it was ever reversed. One statement for a whole batch of movements
 * (services/ledger/movement-batch.ts): enough to allocate its debits and to say each change's
 * earliest expiry. Lots are read in index order (migration 0015) and at most `firstLots` per
 * balance; a balance whose first lots do not cover its need is read again without that bound.
 */
export async function lotsForMovements(
  tx: Queryable, balances: readonly { balanceId: string; needed: number; untouched: boolean }[], firstLots: number | null = 16,
): Promise<Map<string, BalanceLots>> {
  const rows = await tx.query<{ balanceId: string; spendable: Record<string, unknown>[]; covered: boolean; earliestOtherExpiry: Date | null; everReversed: boolean }>(
    `WITH need AS (SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::boolean[]) AS n (balance_id, needed, untouched)),
     taken AS (
       SELECT n.balance_id AS need_id, s.*, s.running - (s.remaining - s.blocked) < n.needed AS wanted
       FROM need n CROSS JOIN LATERAL (
         SELECT f.*, sum(f.remaining - f.blocked) OVER (ORDER BY f."expiresAt" NULLS LAST, f."createdAt", f.id) AS running
         FROM (SELECT ${columns} FROM lots l
               WHERE l.balance_id = n.balance_id AND l.status = 'active' AND l.remaining > l.blocked
               ORDER BY l.expires_at NULLS LAST, l.created_at, l.id LIMIT $4) f
       ) s
       WHERE n.needed > 0
     )
     SELECT n.balance_id AS "balanceId",
            (SELECT coalesce(json_agg(t ORDER BY t.running) FILTER (WHERE t.wanted), '[]') FROM taken t WHERE t.need_id = n.balance_id) AS spendable,
            n.needed <= coalesce((SELECT max(t.running) FROM taken t WHERE t.need_id = n.balance_id), 0)
              OR $4::int IS NULL OR (SELECT count(*) FROM taken t WHERE t.need_id = n.balance_id) < $4 AS covered,
            LEAST(
              (SELECT l.expires_at FROM lots l
               WHERE l.balance_id = n.balance_id AND l.status = 'active' AND l.remaining > 0 AND l.expires_at IS NOT NULL
                 AND l.id NOT IN (SELECT t.id FROM taken t WHERE t.need_id = n.balance_id AND t.wanted)
               ORDER BY l.expires_at, l.created_at, l.id LIMIT 1),
              (SELECT min(l.expires_at) FROM lots l WHERE l.balance_id = n.balance_id AND l.status = 'pending' AND l.remaining > 0)
            ) AS "earliestOtherExpiry",
            CASE WHEN n.untouched THEN ${everReversedSql('n.balance_id')} ELSE false END AS "everReversed"
     FROM need n`,
    [balances.map((b) => b.balanceId), balances.map((b) => b.needed), balances.map((b) => b.untouched), firstLots],
  );
  const uncovered = rows.filter((row) => !row.covered).map((row) => row.balanceId);
  const again = uncovered.length > 0
    ? await lotsForMovements(tx, balances.filter((b) => uncovered.includes(b.balanceId)), null) : new Map<string, BalanceLots>();
  return new Map(rows.map((row) => [row.balanceId, again.get(row.balanceId) ?? {
    spendable: row.spendable.map(({ running: _running, need_id: _needId, wanted: _wanted, ...lot }) =>
      revive<LotRow>(lot, ['availableFrom', 'expiresAt', 'createdAt'])!),
    earliestOtherExpiry: row.earliestOtherExpiry,
    everReversed: row.everReversed,
  }]));
}

export async function findLot(tx: Queryable, programId: string, id: string) {
  const rows = await tx.query<LotRow>(`SELECT ${columns} FROM lots l WHERE l.program_id = $1 AND l.id = $2`, [programId, id]);
  return rows[0];
}

export async function findLotOfTransaction(tx: Queryable, transactionId: string) {
  const rows = await tx.query<LotRow>(`SELECT ${columns} FROM lots l WHERE l.transaction_id = $1`, [transactionId]);
  return rows[0];
}

type LotChange = { lotId: string; remaining: number; blocked: number; expired?: number };

/** Signed changes to lots' remaining, blocked and expired units (none: no write). */
export function adjustLotsWrites(changes: LotChange[]): Write[] {
  if (changes.length === 0) return [];
  return [{
    sql: `UPDATE lots l SET remaining = l.remaining + c.remaining, blocked = l.blocked + c.blocked, expired = l.expired + c.expired
     FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[]) AS c (id, remaining, blocked, expired)
     WHERE l.id = c.id`,
    params: [changes.map((c) => c.lotId), changes.map((c) => c.remaining), changes.map((c) => c.blocked), changes.map((c) => c.expired ?? 0)],
  }];
}

/** Applies signed changes to lots' remaining and blocked units. */
export async function adjustLots(tx: Queryable, changes: LotChange[]): Promise<void> {
  await runWrites(tx, adjustLotsWrites(changes));
}

export async function setLotStatus(tx: Queryable, id: string, status: LotRow['status']): Promise<void> {
  await tx.query(`UPDATE lots SET status = $2 WHERE id = $1`, [id, status]);
}

/** Which units of which lots debits or blocks took (none: no write). */
export function insertAllocationsWrite(programId: string, rows: readonly (Allocation & { transactionId: string })[]): Write[] {
  if (rows.length === 0) return [];
  return [{
    sql: `INSERT INTO lot_allocations (transaction_id, lot_id, program_id, amount)
     SELECT a.transaction_id, a.lot_id, $1, a.amount FROM unnest($2::uuid[], $3::uuid[], $4::bigint[]) AS a (transaction_id, lot_id, amount)`,
    params: [programId, rows.map((a) => a.transactionId), rows.map((a) => a.lotId), rows.map((a) => a.amount)],
  }];
}

/** Which units of which lots one debit or block took. */
export const insertAllocationsWrites = (programId: string, transactionId: string, allocations: Allocation[]): Write[] =>
  insertAllocationsWrite(programId, allocations.map((a) => ({ ...a, transactionId })));

export async function insertAllocations(tx: Queryable, programId: string, transactionId: string, allocations: Allocation[]) {
  await runWrites(tx, insertAllocationsWrites(programId, transactionId, allocations));
}

export async function allocationsOf(tx: Queryable, transactionId: string) {
  return tx.query<Allocation & { lotStatus: LotRow['status'] }>(
    `SELECT a.lot_id AS "lotId", a.amount, l.status AS "lotStatus" FROM lot_allocations a JOIN lots l ON l.id = a.lot_id
     WHERE a.transaction_id = $1 ORDER BY a.lot_id`,
    [transactionId],
  );
}

export interface LotFilter {
  status?: LotRow['status'];
  expiresBefore?: Date;
}

export async function listLots(tx: Queryable, balanceId: string, filter: LotFilter, page: PageRequest) {
  return tx.query<LotRow>(
    `SELECT ${columns} FROM lots l WHERE l.balance_id = $1 AND ($2::text IS NULL OR l.status = $2)
       AND ($3::timestamptz IS NULL OR l.expires_at < $3) AND ($4::uuid IS NULL OR l.id > $4)
     ORDER BY l.id LIMIT $5`,
    [balanceId, filter.status ?? null, filter.expiresBefore ?? null, page.after, page.limit + 1],
  );
}
