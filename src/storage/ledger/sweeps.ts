import type { Queryable } from '../db.ts';

/** Balances holding lots due for a sweep, with what events need to name their member. */
export interface DueBalance {
  balanceId: string;
  definitionId: string;
  subscriptionId: string;
}

/**
 * Balances with active lots expired by `now` (a bounded batch; the sweep comes back for more),
 * in the ledger's lock order (subscription, then definition): the sweep locks them one after
 * the other, in the same order as every other operation locking several balances.
 */
export async function balancesWithExpiredLots(tx: Queryable, programId: string, now: Date, limit: number) {
  return tx.query<DueBalance>(
    `SELECT DISTINCT l.balance_id AS "balanceId", b.definition_id AS "definitionId", b.subscription_id AS "subscriptionId"
     FROM lots l JOIN balances b ON b.id = l.balance_id
     WHERE l.program_id = $1 AND l.status = 'active' AND l.expires_at <= $2
     ORDER BY 3, 2 LIMIT $3`,
    [programId, now, limit],
  );
}

/** Expires a balance's due lots (the caller holds the balance lock); returns the units expired. */
export async function expireDueLots(tx: Queryable, balanceId: string, now: Date, lotId: string | null = null): Promise<number> {
  // Blocked units stay with their block; they expire when it is released.
  const [row] = await tx.query<{ units: number }>(
    `WITH expired AS (
       UPDATE lots SET expired = expired + (remaining - blocked), remaining = blocked, status = 'expired'
       WHERE balance_id = $1 AND status = 'active' AND ($3::uuid IS NULL OR id = $3) AND ($3::uuid IS NOT NULL OR expires_at <= $2)
       RETURNING expired
     ) SELECT coalesce(sum(expired), 0)::bigint AS units FROM expired`,
    [balanceId, now, lotId],
  );
  return row.units;
}

export async function balancesWithDuePendingLots(tx: Queryable, programId: string, now: Date, limit: number) {
  return tx.query<DueBalance>(
    `SELECT DISTINCT l.balance_id AS "balanceId", b.definition_id AS "definitionId", b.subscription_id AS "subscriptionId"
     FROM lots l JOIN balances b ON b.id = l.balance_id
     WHERE l.program_id = $1 AND l.status = 'pending' AND l.available_from <= $2
     ORDER BY 3, 2 LIMIT $3`,
    [programId, now, limit],
  );
}

/** Makes a balance's due pending lots available; returns the units activated. */
export async function activateDueLots(tx: Queryable, balanceId: string, now: Date, lotId: string | null = null): Promise<number> {
  const [row] = await tx.query<{ units: number }>(
    `WITH activated AS (
       UPDATE lots SET status = 'active', available_from = LEAST(available_from, $2)
       WHERE balance_id = $1 AND status = 'pending' AND ($3::uuid IS NULL OR id = $3) AND ($3::uuid IS NOT NULL OR available_from <= $2)
       RETURNING remaining
     ) SELECT coalesce(sum(remaining), 0)::bigint AS units FROM activated`,
    [balanceId, now, lotId],
  );
  return row.units;
}

/** Free units per balance of a definition's lots expiring at one moment (expiry reminders). */
export async function unitsExpiringAt(tx: Queryable, programId: string, definitionId: string, expiresAt: Date) {
  return tx.query<DueBalance & { units: number }>(
    `SELECT l.balance_id AS "balanceId", b.definition_id AS "definitionId", b.subscription_id AS "subscriptionId",
            sum(l.remaining - l.blocked)::bigint AS units
     FROM lots l JOIN balances b ON b.id = l.balance_id
     WHERE l.program_id = $1 AND b.definition_id = $2 AND l.expires_at = $3 AND l.status IN ('active', 'pending')
     GROUP BY l.balance_id, b.definition_id, b.subscription_id
     HAVING sum(l.remaining - l.blocked) > 0`,
    [programId, definitionId, expiresAt],
  );
}
