import type { Queryable } from '../db.ts';

/** Balances holding lots due for a sweep, with what events need to name their member. */
export interface DueBalance {
  balanceId: string;
  definitionId: string;
  subscriptionId: string;
}

/** What a sweep does to due lots: expire active ones (expires_at) or activate pending ones (available_from). */
export type SweepKind = 'expire' | 'activate';

const dueLots: Record<SweepKind, string> = {
  expire: `l.status = 'active' AND l.expires_at <= $2`,
  activate: `l.status = 'pending' AND l.available_from <= $2`,
};

/**
 * Balances holding some of the first `lots` lots due for a sweep by `now` (found through the
 * lots_expiry/lots_activation index, so the cost follows the batch, not everything due), in the
 * ledger's lock order (subscription, then definition): the sweep locks them in that order, as
 * every operation locking several balances does. `more`: the batch was full, others may be due.
 */
export async function dueBalances(tx: Queryable, kind: SweepKind, programId: string, now: Date, lots: number) {
  const rows = await tx.query<DueBalance & { picked: number }>(
    `WITH picked AS (SELECT l.balance_id FROM lots l WHERE l.program_id = $1 AND ${dueLots[kind]} LIMIT $3)
     SELECT b.id AS "balanceId", b.definition_id AS "definitionId", b.subscription_id AS "subscriptionId",
            (SELECT count(*) FROM picked)::int AS picked
     FROM balances b WHERE b.id IN (SELECT balance_id FROM picked)
     ORDER BY 3, 2`,
    [programId, now, lots],
  );
  return { balances: rows.map(({ picked: _, ...due }) => due), more: rows.length > 0 && rows[0].picked === lots };
}

/**
 * Expires the due lots of several balances at once (the caller holds their locks), or the one
 * lot `lotId`; returns the units expired per balance, for the balances where any were.
 */
export async function expireDueLots(tx: Queryable, balanceIds: string[], now: Date, lotId: string | null = null) {
  // Blocked units stay with their block; they expire when it is released.
  return tx.query<{ balanceId: string; units: number }>(
    `WITH expired AS (
       UPDATE lots SET expired = expired + (remaining - blocked), remaining = blocked, status = 'expired'
       WHERE balance_id = ANY ($1::uuid[]) AND status = 'active' AND ($3::uuid IS NULL OR id = $3) AND ($3::uuid IS NOT NULL OR expires_at <= $2)
       RETURNING balance_id, expired
     ) SELECT balance_id AS "balanceId", sum(expired)::bigint AS units FROM expired GROUP BY balance_id HAVING sum(expired) <> 0`,
    [balanceIds, now, lotId],
  );
}

/** The owners of some subscriptions, with what events name them by. */
export async function ownersOf(tx: Queryable, programId: string, subscriptionIds: string[]) {
  return tx.query<{
    subscriptionId: string; loyaltySubscriptionId: string; subscriptionStatus: 'active' | 'revoked'; subscriptionCreatedAt: Date;
    id: string; contactId: number; email: string | null; phone: string | null; cardId: string | null;
    firstName: string | null; lastName: string | null; customAttributes: Record<string, string | number | boolean | null>;
  }>(
    `SELECT s.id AS "subscriptionId", s.loyalty_subscription_id AS "loyaltySubscriptionId", s.status AS "subscriptionStatus",
            s.created_at AS "subscriptionCreatedAt", m.id, m.contact_id AS "contactId", m.email, m.phone, m.card_id AS "cardId",
            m.first_name AS "firstName", m.last_name AS "lastName", m.custom_attributes AS "customAttributes"
     FROM subscriptions s JOIN members m ON m.program_id = s.program_id AND m.id = s.member_id
     WHERE s.program_id = $1 AND s.id = ANY ($2::uuid[])`,
    [programId, subscriptionIds],
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
