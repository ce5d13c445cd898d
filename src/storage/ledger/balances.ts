import type { BalanceFigures } from '../../domain/ledger/definition.ts';
import type { Queryable } from '../db.ts';
import { runWrites, type Write } from '../writes.ts';

export interface BalanceRow extends BalanceFigures {
  id: string;
  programId: string;
  subscriptionId: string;
  definitionId: string;
  status: 'open' | 'closed';
  createdAt: Date;
  updatedAt: Date;
}

export const balanceColumns = `b.id, b.program_id AS "programId", b.subscription_id AS "subscriptionId", b.definition_id AS "definitionId",
  b.available, b.pending, b.blocked, b.spent, b.expired, b.earned, b.status, b.created_at AS "createdAt", b.updated_at AS "updatedAt"`;

/**
 * The balance of a subscription in a definition, locked for the rest of the transaction:
 * every operation on one balance serialises here, so concurrent spends cannot overdraw it.
 * Created on first use; `created` tells whether this call made it.
 */
export async function lockBalance(
  tx: Queryable,
  b: { id: string; programId: string; subscriptionId: string; definitionId: string; now: Date },
): Promise<{ balance: BalanceRow; created: boolean }> {
  const lock = () => tx.query<BalanceRow>(
    `SELECT ${balanceColumns} FROM balances b WHERE b.subscription_id = $1 AND b.definition_id = $2 FOR UPDATE`,
    [b.subscriptionId, b.definitionId],
  );
  // Most operations find the balance there: one statement.
  const [existing] = await lock();
  if (existing) return { balance: existing, created: false };
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO balances (id, program_id, subscription_id, definition_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (subscription_id, definition_id) DO NOTHING RETURNING id`,
    [b.id, b.programId, b.subscriptionId, b.definitionId, b.now],
  );
  const [balance] = await lock();
  return { balance, created: inserted.length === 1 };
}

export async function lockBalanceById(tx: Queryable, programId: string, id: string) {
  const rows = await tx.query<BalanceRow>(`SELECT ${balanceColumns} FROM balances b WHERE b.program_id = $1 AND b.id = $2 FOR UPDATE`, [programId, id]);
  return rows[0];
}

/** Locks several balances of a program in the ledger's lock order (subscription, then definition), returned in that order. */
export async function lockBalancesById(tx: Queryable, programId: string, ids: string[]) {
  return tx.query<BalanceRow>(
    `SELECT ${balanceColumns} FROM balances b WHERE b.program_id = $1 AND b.id = ANY ($2::uuid[])
     ORDER BY b.subscription_id, b.definition_id FOR UPDATE`,
    [programId, ids],
  );
}

/** Writes the figures of several balances (locked by the caller) in one statement (none: no write). */
export function saveFiguresWrite(balances: readonly BalanceRow[], now: Date): Write[] {
  if (balances.length === 0) return [];
  const column = (pick: (b: BalanceRow) => number) => balances.map(pick);
  return [{
    sql: `UPDATE balances b SET available = f.available, pending = f.pending, blocked = f.blocked, spent = f.spent, expired = f.expired,
       earned = f.earned, updated_at = $8
     FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
       AS f (id, available, pending, blocked, spent, expired, earned)
     WHERE b.id = f.id`,
    params: [balances.map((b) => b.id), column((b) => b.available), column((b) => b.pending), column((b) => b.blocked), column((b) => b.spent),
      column((b) => b.expired), column((b) => b.earned), now],
  }];
}

export async function saveFiguresOf(tx: Queryable, balances: BalanceRow[], now: Date): Promise<void> {
  await runWrites(tx, saveFiguresWrite(balances, now));
}

/**
 * Writes a balance's figures; returns the earliest expiry among its remaining lots, which the
 * change's events carry (read in the same statement, after the caller's lot changes).
 */
export async function saveFigures(tx: Queryable, balance: BalanceRow, now: Date): Promise<Date | null> {
  const [row] = await tx.query<{ earliestExpiry: Date | null }>(
    `UPDATE balances SET available = $2, pending = $3, blocked = $4, spent = $5, expired = $6, earned = $7, status = $8, updated_at = $9
     WHERE id = $1
     RETURNING (SELECT min(expires_at) FROM lots WHERE balance_id = $1 AND status IN ('active', 'pending') AND remaining > 0) AS "earliestExpiry"`,
    [balance.id, balance.available, balance.pending, balance.blocked, balance.spent, balance.expired, balance.earned, balance.status, now],
  );
  return row?.earliestExpiry ?? null;
}

export async function listSubscriptionBalances(tx: Queryable, subscriptionId: string) {
  return tx.query<BalanceRow>(`SELECT ${balanceColumns} FROM balances b WHERE b.subscription_id = $1 ORDER BY b.id`, [subscriptionId]);
}

export async function findBalance(tx: Queryable, subscriptionId: string, definitionId: string) {
  const rows = await tx.query<BalanceRow>(`SELECT ${balanceColumns} FROM balances b WHERE b.subscription_id = $1 AND b.definition_id = $2`,
    [subscriptionId, definitionId]);
  return rows[0];
}

export async function closeSubscriptionBalances(tx: Queryable, subscriptionId: string, now: Date): Promise<void> {
  await tx.query(`UPDATE balances SET status = 'closed', updated_at = $2 WHERE subscription_id = $1`, [subscriptionId, now]);
}

/** What balances are known by (subscription and definition), read without locking: to lock several in order. */
export async function balanceKeys(tx: Queryable, ids: string[]) {
  return tx.query<{ id: string; subscriptionId: string; definitionId: string }>(
    `SELECT id, subscription_id AS "subscriptionId", definition_id AS "definitionId" FROM balances WHERE id = ANY($1::uuid[])`, [ids]);
}
