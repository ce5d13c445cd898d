import { periodStart, type CalendarPeriod } from '../calendar.ts';
import { invalidInput, Problem } from '../problem.ts';
import { ExpressionError, parseExpression } from './expression.ts';

/** An earning campaign: when it runs (trigger), for whom (target), if what holds (condition), what it does (effects). */

export type CampaignTrigger =
  | { kind: 'purchase' }
  | { kind: 'registration' }
  | { kind: 'custom_event'; eventType: string }
  | { kind: 'tier_change' };

export type CampaignTarget =
  | { kind: 'all' }
  | { kind: 'tier'; tierIds: string[] }
  | { kind: 'custom_attribute'; name: string; value?: string | number | boolean | null };

export interface Multiplier {
  sku?: string;
  label?: string;
  /** Each matching item's value counts this many times. */
  factor: number;
}

export type CampaignEffect =
  | { type: 'award_units'; balanceDefinitionId?: string; units: number; perSpent?: number; multipliers?: Multiplier[] }
  | { type: 'deduct_units'; balanceDefinitionId?: string; units: number }
  | { type: 'grant_reward'; rewardId: string }
  | { type: 'set_custom_attribute'; name: string; value: string | number | boolean | null };

export type LimitPeriod = CalendarPeriod | 'ever';
export interface CampaignLimit { count: number; period: LimitPeriod }
export interface CampaignLimits { perMember?: CampaignLimit; total?: CampaignLimit }

export interface Campaign {
  id: string;
  programId: string;
  name: string;
  active: boolean;
  startsAt: Date | null;
  endsAt: Date | null;
  position: number;
  target: CampaignTarget;
  trigger: CampaignTrigger;
  condition: string | null;
  effects: CampaignEffect[];
  limits: CampaignLimits;
  stopFurther: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The names a condition may start from. */
export const conditionRoots = new Set(['transaction', 'member', 'event', 'tierChange', 'item']);

/** Checks what the schema cannot: the condition parses, effects fit their trigger, the window is ordered. */
export function checkCampaign(c: Pick<Campaign, 'trigger' | 'target' | 'condition' | 'effects' | 'startsAt' | 'endsAt'>): void {
  if (c.startsAt && c.endsAt && c.endsAt <= c.startsAt) throw invalidInput('/endsAt', 'must be after startsAt');
  if (c.condition !== null) {
    try {
      parseExpression(c.condition, conditionRoots);
    } catch (error) {
      if (error instanceof ExpressionError) {
        throw new Problem(422, 'invalid-condition', 'Invalid condition', `condition ${error.message}`,
          [{ field: '/condition', message: error.message }]);
      }
      throw error;
    }
  }
  if (c.effects.length === 0) throw invalidInput('/effects', 'must hold at least one effect');
  c.effects.forEach((effect, i) => {
    if (effect.type === 'award_units' && effect.perSpent !== undefined && c.trigger.kind !== 'purchase') {
      throw invalidInput(`/effects/${i}/perSpent`, 'units per amount spent need a purchase trigger');
    }
    if (effect.type === 'award_units' && effect.multipliers?.length && effect.perSpent === undefined) {
      throw invalidInput(`/effects/${i}/multipliers`, 'multipliers apply to units per amount spent (perSpent)');
    }
    effect.type === 'award_units' && effect.multipliers?.forEach((m, j) => {
      if ((m.sku === undefined) === (m.label === undefined)) throw invalidInput(`/effects/${i}/multipliers/${j}`, 'give either sku or label');
    });
  });
}

/** The items of a purchase as campaigns see them. */
export interface PurchaseItem {
  sku: string | null;
  name: string | null;
  quantity: number;
  grossValue: number;
  category: string | null;
  maker: string | null;
  labels: string[];
}

/**
 * Units an award effect gives: a fixed number, or `units` per whole `perSpent` minor units of
 * the document's value, where items matching a multiplier count `factor` times (the highest
 * matching factor; whole-unit rounding down happens once, on the total). Exact (BigInt): a big
 * document times a big factor may exceed what the ledger holds, and the caller must see that
 * rather than a rounded float.
 */
export function awardedUnits(effect: Extract<CampaignEffect, { type: 'award_units' }>, purchase: { grossTotal: number; items: PurchaseItem[] } | null): bigint {
  if (effect.perSpent === undefined) return BigInt(effect.units);
  if (!purchase) return 0n;
  let eligible = BigInt(purchase.grossTotal);
  for (const item of purchase.items) {
    const factors = (effect.multipliers ?? [])
      .filter((m) => (m.sku !== undefined && m.sku === item.sku) || (m.label !== undefined && item.labels.includes(m.label)))
      .map((m) => m.factor);
    if (factors.length > 0) eligible += BigInt(item.grossValue) * BigInt(Math.max(...factors) - 1);
  }
  if (eligible < 0n) return 0n;
  return (eligible / BigInt(effect.perSpent)) * BigInt(effect.units);
}

/**
 * What a return takes back of an award its sale earned: the award in proportion of the value
 * returned so far, less what earlier returns already took. Rounds down, so the last return of
 * the whole document takes the rest exactly.
 */
export function takeBackShare(awarded: number, saleTotal: number, returnedSoFar: number, alreadyTaken: number): number {
  if (saleTotal <= 0) return Math.max(0, awarded - alreadyTaken);
  const due = Number((BigInt(awarded) * BigInt(Math.min(returnedSoFar, saleTotal))) / BigInt(saleTotal));
  return Math.max(0, due - alreadyTaken);
}

/** Where a limit's current period began (program time); null for a limit over the campaign's whole life. */
export function limitPeriodStart(period: LimitPeriod, now: Date, timezone: string): Date | null {
  return period === 'ever' ? null : periodStart(period, now, timezone);
}
