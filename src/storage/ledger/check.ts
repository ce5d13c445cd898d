import type { Queryable } from '../db.ts';

export interface BalanceDifference {
  balanceId: string;
  figure: string;
  stored: number;
  fromLots: number;
}

/**
 * Recomputes every balance's figures from its lots, in one pass, and returns where they differ
 * from the stored figures. Also reports lots whose own counts are inconsistent.
 * `programId` null checks the whole instance.
 */
export async function findBalanceDifferences(tx: Queryable, programId: string | null): Promise<BalanceDifference[]> {
  const rows = await tx.query<{ balanceId: string; figure: string; stored: number; fromLots: number }>(
    `WITH computed AS (
       SELECT b.id,
         b.available, b.pending, b.blocked, b.spent, b.expired, b.earned,
         coalesce(sum(l.remaining - l.blocked) FILTER (WHERE l.status = 'active'), 0)::bigint - b.debt AS c_available,
         coalesce(sum(l.remaining) FILTER (WHERE l.status = 'pending'), 0)::bigint AS c_pending,
         coalesce(sum(l.blocked), 0)::bigint AS c_blocked,
         coalesce(sum(l.amount - l.remaining - l.expired) FILTER (WHERE l.status <> 'cancelled'), 0)::bigint AS c_spent,
         coalesce(sum(l.expired), 0)::bigint AS c_expired,
         coalesce(sum(l.amount) FILTER (WHERE l.status <> 'cancelled'), 0)::bigint AS c_earned
       FROM balances b LEFT JOIN lots l ON l.balance_id = b.id
       WHERE $1::uuid IS NULL OR b.program_id = $1
       GROUP BY b.id
     )
     SELECT id AS "balanceId", f.figure, f.stored, f.computed AS "fromLots"
     FROM computed CROSS JOIN LATERAL (VALUES
       ('available', available, c_available), ('pending', pending, c_pending), ('blocked', blocked, c_blocked),
       ('spent', spent, c_spent), ('expired', expired, c_expired), ('earned', earned, c_earned)
     ) AS f (figure, stored, computed)
     WHERE f.stored <> f.computed
     UNION ALL
     SELECT l.balance_id, 'lot ' || l.id || ' counts', l.remaining, l.amount
     FROM lots l
     WHERE ($1::uuid IS NULL OR l.program_id = $1)
       AND (l.remaining < l.blocked OR l.remaining + l.expired > l.amount
            OR (l.status = 'expired' AND l.remaining <> l.blocked) OR (l.status = 'cancelled' AND l.remaining <> 0))
     ORDER BY 1, 2`,
    [programId],
  );
  return rows;
}
