import type { Allocation } from '../../domain/ledger/allocation.ts';
import type { Queryable } from '../db.ts';
import type { PageRequest } from '../pagination.ts';
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

export function insertLotWrite(lot: LotRow): Write {
  return {
    sql: `INSERT INTO lots (id, program_id, balance_id, transaction_id, amount, remaining, blocked, expired, status, available_from,
       expires_at, source, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    params: [lot.id, lot.programId, lot.balanceId, lot.transactionId, lot.amount, lot.remaining, lot.blocked, lot.expired, lot.status,
      lot.availableFrom, lot.expiresAt, lot.source, lot.createdAt],
  };
}

export async function insertLot(tx: Queryable, lot: LotRow): Promise<void> {
  await runWrites(tx, [insertLotWrite(lot)]);
}

/** The active lots of a balance with free units (the caller holds the balance lock). */
export async function spendableLots(tx: Queryable, balanceId: string) {
  return tx.query<LotRow>(
    `SELECT ${columns} FROM lots l WHERE l.balance_id = $1 AND l.status = 'active' AND l.remaining > l.blocked
     ORDER BY l.expires_at NULLS LAST, l.created_at, l.id`,
    [balanceId],
  );
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

/** Which units of which lots a debit took (none: no write). */
export function insertAllocationsWrites(programId: string, transactionId: string, allocations: Allocation[]): Write[] {
  if (allocations.length === 0) return [];
  return [{
    sql: `INSERT INTO lot_allocations (transaction_id, lot_id, program_id, amount)
     SELECT $1, a.lot_id, $2, a.amount FROM unnest($3::uuid[], $4::bigint[]) AS a (lot_id, amount)`,
    params: [transactionId, programId, allocations.map((a) => a.lotId), allocations.map((a) => a.amount)],
  }];
}

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
