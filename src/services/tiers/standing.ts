import { DateTime } from 'luxon';
import { standingKey, type Standing } from '../../domain/tiers/qualify.ts';
import type { Condition } from '../../domain/tiers/tier-group.ts';
import type { Queryable } from '../../storage/db.ts';
import { memberSpend } from '../../storage/purchases/spend.ts';
import type { SubscriptionRow } from '../../storage/subscriptions.ts';

/** A sum of minor units as a number a minimum can be compared with (minimums are safe integers). */
const safeNumber = (n: bigint) =>
  Number(n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : n < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : n);

/**
 * Gathers the one figure each condition needs, from the member's subscription (which owns the
 * balances): available and earned units of a balance, months since joining, total spend. The only place the
 * tier rules read the rest of the product.
 */
export async function gatherStanding(
  tx: Queryable, subscription: SubscriptionRow, conditions: Condition[], now: Date, timezone: string,
): Promise<Standing> {
  const standing: Standing = new Map();
  for (const c of conditions) {
    const key = standingKey(c);
    if (standing.has(key)) continue;
    switch (c.kind) {
      case 'availableUnits': {
        const [row] = await tx.query<{ n: number }>(
          `SELECT available AS n FROM balances WHERE subscription_id = $1 AND definition_id = $2`, [subscription.id, c.balanceDefinitionId]);
        standing.set(key, row?.n ?? 0);
        break;
      }
      case 'earnedUnits': {
        // Earned in total is the balance's running figure; since a date, the same figure counted
        // from the lots created since then. Each completed credit makes one lot when it completes and
        // the balance's `earned` is the sum of the lots not cancelled (see storage/ledger/check.ts):
        // a reversed credit's lot is cancelled, and a reversed debit returns units to old lots
        // without making one, so neither counts — and a date before everything gives the total.
        const [row] = c.since === null
          ? await tx.query<{ n: number }>(`SELECT earned AS n FROM balances WHERE subscription_id = $1 AND definition_id = $2`,
            [subscription.id, c.balanceDefinitionId])
          : await tx.query<{ n: number }>(
            `SELECT coalesce(sum(l.amount), 0)::bigint AS n FROM balances b JOIN lots l ON l.balance_id = b.id
             WHERE b.subscription_id = $1 AND b.definition_id = $2 AND l.status <> 'cancelled' AND l.created_at >= $3`,
            [subscription.id, c.balanceDefinitionId, c.since]);
        standing.set(key, row?.n ?? 0);
        break;
      }
      case 'monthsSinceJoining': {
        const months = DateTime.fromJSDate(now, { zone: timezone }).diff(DateTime.fromJSDate(subscription.createdAt, { zone: timezone }), 'months').months;
        standing.set(key, Math.max(0, Math.floor(months)));
        break;
      }
      case 'totalSpend': {
        // The owner's own documents: household members share balances, not tiers nor spend.
        const spend = await memberSpend(tx, subscription.programId, subscription.memberId, c.since === null ? null : new Date(c.since));
        standing.set(key, safeNumber(spend));
        break;
      }
    }
  }
  return standing;
}
