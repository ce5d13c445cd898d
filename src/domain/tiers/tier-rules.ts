import { Issues, checkMetadata, checkName, daysInMonth } from '../ledger/definition-rules.ts';
import { isRealtime, type Condition, type DowngradeReset, type Strategy, type Tier, type TierGroup } from './tier-group.ts';

/**
 * The rules on the values of tier groups and tiers. Pure: shapes are the HTTP schema's business;
 * every rule on values is here and answers 422 naming the field.
 */

/** One flat shape per kind, so a missing or misplaced field is named precisely. */
export interface StrategyInput { kind: Strategy['kind']; month?: number; day?: number }
export interface ConditionInput {
  kind: Condition['kind'];
  balanceDefinitionId?: string;
  minimum?: number;
  since?: string | null;
}

export interface GroupInput {
  name?: string;
  upgradeStrategy?: StrategyInput;
  downgradeStrategy?: StrategyInput;
  downgradeResets?: DowngradeReset[];
  anniversaryReminderDaysBefore?: number | null;
}

export interface TierInput {
  name?: string;
  order?: number;
  isDefault?: boolean;
  conditions?: ConditionInput[];
  conditionsMatch?: 'all' | 'any';
  rewardsOnEntry?: string[];
  metadata?: Record<string, unknown>;
}

const maxConditions = 10;
const maxResets = 10;
const maxRewards = 20;
const maxOrder = 1_000_000;

function checkStrategy(input: StrategyInput, at: string, issues: Issues, allowNone: boolean): Strategy | undefined {
  if (input.kind === 'none' && !allowNone) {
    issues.add(`${at}/kind`, 'an upgrade strategy cannot be none: members must be able to reach the tiers');
    return undefined;
  }
  if (input.kind !== 'fixed_date') {
    for (const field of ['month', 'day'] as const) {
      if (input[field] !== undefined) issues.add(`${at}/${field}`, 'applies only to kind fixed_date');
    }
    return { kind: input.kind } as Strategy;
  }
  if (input.month === undefined) { issues.add(`${at}/month`, 'is required for kind fixed_date'); return undefined; }
  if (!issues.whole(input.month, `${at}/month`, 1, 12)) return undefined;
  if (input.day === undefined) { issues.add(`${at}/day`, 'is required for kind fixed_date'); return undefined; }
  if (!issues.whole(input.day, `${at}/day`, 1, daysInMonth[input.month - 1], `a day of month ${input.month}`)) return undefined;
  return { kind: 'fixed_date', month: input.month, day: input.day };
}

/** Applies a create or update of a group to what it was (or to nothing), checking every value. */
export function applyGroupInput(current: TierGroup | null, input: GroupInput, base: Pick<TierGroup, 'id' | 'programId'>, now: Date): TierGroup {
  const issues = new Issues();
  const name = input.name === undefined ? current?.name : checkName(input.name, issues);
  if (!current && input.name === undefined) issues.add('/name', 'is required');
  const up = input.upgradeStrategy ? checkStrategy(input.upgradeStrategy, '/upgradeStrategy', issues, false) : current?.upgradeStrategy ?? { kind: 'realtime' as const };
  const down = input.downgradeStrategy ? checkStrategy(input.downgradeStrategy, '/downgradeStrategy', issues, true) : current?.downgradeStrategy ?? { kind: 'none' as const };
  const resets = input.downgradeResets ?? current?.downgradeResets ?? [];
  if (resets.length > maxResets) issues.add('/downgradeResets', `must have at most ${maxResets} entries`);
  const seen = new Set<string>();
  resets.forEach((r, i) => {
    if (seen.has(r.balanceDefinitionId)) issues.add(`/downgradeResets/${i}/balanceDefinitionId`, 'names a balance definition already reset');
    seen.add(r.balanceDefinitionId);
  });
  const days = input.anniversaryReminderDaysBefore !== undefined ? input.anniversaryReminderDaysBefore : current?.anniversaryReminderDaysBefore ?? null;
  if (days !== null) issues.whole(days, '/anniversaryReminderDaysBefore', 0, 365);
  issues.throwIfAny();
  const group = {
    id: base.id, programId: base.programId, name: name!, upgradeStrategy: up!, downgradeStrategy: down!, downgradeResets: resets,
    anniversaryReminderDaysBefore: days, createdAt: current?.createdAt ?? now, updatedAt: now, realtime: false,
  };
  return { ...group, realtime: isRealtime(group) };
}

function checkCondition(input: ConditionInput, at: string, issues: Issues): Condition | undefined {
  const ok = issues.whole(input.minimum, `${at}/minimum`, input.kind === 'monthsSinceJoining' ? 0 : 1,
    input.kind === 'monthsSinceJoining' ? 1200 : Number.MAX_SAFE_INTEGER);
  const needsDefinition = input.kind === 'availableUnits' || input.kind === 'earnedUnits';
  if (needsDefinition && !input.balanceDefinitionId) issues.add(`${at}/balanceDefinitionId`, `is required for kind ${input.kind}`);
  if (!needsDefinition && input.balanceDefinitionId !== undefined) issues.add(`${at}/balanceDefinitionId`, `does not apply to kind ${input.kind}`);
  const takesSince = input.kind === 'earnedUnits' || input.kind === 'totalSpend';
  if (!takesSince && input.since !== undefined) issues.add(`${at}/since`, `does not apply to kind ${input.kind}`);
  if (takesSince && input.since != null && Number.isNaN(new Date(input.since).getTime())) issues.add(`${at}/since`, 'is not a date-time');
  if (!ok) return undefined;
  const minimum = input.minimum!;
  switch (input.kind) {
    case 'availableUnits': return { kind: input.kind, balanceDefinitionId: input.balanceDefinitionId!, minimum };
    case 'earnedUnits':
    case 'totalSpend': {
      const since = input.since == null ? null : new Date(input.since).toISOString();
      return input.kind === 'earnedUnits'
        ? { kind: input.kind, balanceDefinitionId: input.balanceDefinitionId!, minimum, since }
        : { kind: input.kind, minimum, since };
    }
    default: return { kind: 'monthsSinceJoining', minimum };
  }
}

/**
 * Applies a create or update of a tier, checking every value. The default tier is the entry
 * tier and the floor of its group: it has no conditions.
 */
export function applyTierInput(current: Tier | null, input: TierInput, base: Pick<Tier, 'id' | 'programId' | 'groupId'>, now: Date): Tier {
  const issues = new Issues();
  const name = input.name === undefined ? current?.name : checkName(input.name, issues);
  if (!current && input.name === undefined) issues.add('/name', 'is required');
  const order = input.order ?? current?.order;
  if (order === undefined) issues.add('/order', 'is required');
  else issues.whole(order, '/order', 0, maxOrder);
  const conditions: Condition[] = [];
  const conditionInputs = input.conditions ?? current?.conditions ?? [];
  if (conditionInputs.length > maxConditions) issues.add('/conditions', `must have at most ${maxConditions} entries`);
  conditionInputs.forEach((c, i) => {
    const checked = checkCondition(c as ConditionInput, `/conditions/${i}`, issues);
    if (checked) conditions.push(checked);
  });
  const metadata: Tier['metadata'] | undefined = input.metadata === undefined ? current?.metadata ?? {} : checkMetadata(input.metadata, issues);
  const rewardsOnEntry = input.rewardsOnEntry ?? current?.rewardsOnEntry ?? [];
  if (rewardsOnEntry.length > maxRewards) issues.add('/rewardsOnEntry', `must have at most ${maxRewards} entries`);
  if (new Set(rewardsOnEntry).size !== rewardsOnEntry.length) issues.add('/rewardsOnEntry', 'names a reward twice');
  const isDefault = input.isDefault ?? current?.isDefault ?? false;
  if (isDefault && conditions.length > 0) issues.add('/conditions', 'the default tier is the entry tier of its group: it has no conditions');
  issues.throwIfAny();
  return {
    id: base.id, programId: base.programId, groupId: base.groupId, name: name!, order: order!, isDefault, conditions,
    conditionsMatch: input.conditionsMatch ?? current?.conditionsMatch ?? 'all', rewardsOnEntry, metadata: metadata!,
    createdAt: current?.createdAt ?? now, updatedAt: now,
  };
}
