import type { Condition, Tier } from './tier-group.ts';

/**
 * Which tier a member's standing earns them, and what entering a tier grants. Pure: the service
 * gathers the standing (see services/tiers/standing.ts) and hands it in.
 */

/** The measures the conditions of a group need, keyed by `standingKey`. */
export type Standing = Map<string, number>;

/** The one key a condition's measure is known by in a Standing. */
export function standingKey(c: Condition): string {
  switch (c.kind) {
    case 'availableUnits': return `available:${c.balanceDefinitionId}`;
    case 'earnedUnits': return `earned:${c.balanceDefinitionId}:${c.since ?? ''}`;
    case 'totalSpend': return `spend:${c.since ?? ''}`;
    default: return 'monthsSinceJoining';
  }
}

export function meets(c: Condition, standing: Standing): boolean {
  return (standing.get(standingKey(c)) ?? 0) >= c.minimum;
}

export function qualifies(tier: Tier, standing: Standing): boolean {
  if (tier.conditions.length === 0) return true;
  return tier.conditionsMatch === 'all' ? tier.conditions.every((c) => meets(c, standing)) : tier.conditions.some((c) => meets(c, standing));
}

/**
 * The tier a standing earns in a group: the highest tier above the default whose conditions
 * hold, or the default (the floor). Undefined only for a group without tiers.
 */
export function computedTier(tiers: Tier[], standing: Standing): Tier | undefined {
  const floor = tiers.find((t) => t.isDefault);
  const above = tiers.filter((t) => !floor || t.order > floor.order).sort((a, b) => b.order - a.order);
  return above.find((t) => t.conditions.length > 0 && qualifies(t, standing)) ?? floor;
}

export const isUpgrade = (from: Pick<Tier, 'order'> | null | undefined, to: Pick<Tier, 'order'>) => !from || to.order > from.order;

/**
 * The rewards a member is granted on entering a tier: those of the tier entered upwards (or as
 * the entry tier); a downgrade grants nothing.
 */
export function rewardsToGrantOnEntry(from: Tier | null | undefined, to: Tier): string[] {
  return isUpgrade(from, to) ? [...to.rewardsOnEntry] : [];
}
