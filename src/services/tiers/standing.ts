import { DateTime } from 'luxon';
import { standingKey, type Standing } from '../../domain/tiers/qualify.ts';
import type { Condition } from '../../domain/tiers/tier-group.ts';
import type { Queryable } from '../../storage/db.ts';
import type { SubscriptionRow } from '../../storage/subscriptions.ts';

/**
 * Gathers the one figure each condition needs, from the member's subscription (which owns the
 * balances): available and earned units of a balance, months since joining. The only place the
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
        // Earned in total is the balance's running figure; since a date, the credits completed since.
        const [row] = c.since === null
          ? await tx.query<{ n: number }>(`SELECT earned AS n FROM balances WHERE subscription_id = $1 AND definition_id = $2`,
            [subscription.id, c.balanceDefinitionId])
          : await tx.query<{ n: number }>(
            `SELECT coalesce(sum(t.amount), 0)::bigint AS n FROM balances b JOIN ledger_transactions t ON t.balance_id = b.id
             WHERE b.subscription_id = $1 AND b.definition_id = $2 AND t.kind = 'credit' AND t.status = 'completed'
               AND t.completed_at >= $3`,
            [subscription.id, c.balanceDefinitionId, c.since]);
        standing.set(key, row?.n ?? 0);
        break;
      }
      case 'monthsSinceJoining': {
        const months = DateTime.fromJSDate(now, { zone: timezone }).diff(DateTime.fromJSDate(subscription.createdAt, { zone: timezone }), 'months').months;
        standing.set(key, Math.max(0, Math.floor(months)));
        break;
      }
      case 'totalSpend':
        // Saving a totalSpend condition is refused until purchase transactions land (tier-rules.ts);
        // the lead wires memberSpend(tx, programId, memberId, since) from src/storage/purchases/spend.ts here.
        throw new Error('totalSpend conditions cannot be evaluated in this build');
    }
  }
  return standing;
}
