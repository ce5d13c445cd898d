import { invalidInput } from '../problem.ts';
import type { CalendarPeriod } from '../calendar.ts';

export type RewardType = 'material' | 'static_coupon' | 'dynamic_coupon' | 'conversion_coupon';
export type Period = CalendarPeriod;

/** Who may get a reward: everyone, members of some tiers, or members whose custom attribute has a value. */
export type Targeting =
  | { kind: 'everyone' }
  | { kind: 'tiers'; tierIds: string[] }
  | { kind: 'attribute'; attribute: string; value: string | number | boolean };

/** How long an issued voucher stays usable: a number of days after issue, or until a fixed moment. */
export type Validity = { days: number } | { until: Date };

export interface Reward {
  id: string;
  programId: string;
  name: string;
  publicName: string | null;
  description: string | null;
  imageUrl: string | null;
  type: RewardType;
  couponValue: number | null;
  valueUnit: string | null;
  conversionUnits: number | null;
  conversionValue: number | null;
  cost: number;
  balanceDefinitionId: string | null;
  availableFrom: Date | null;
  availableUntil: Date | null;
  visible: boolean;
  active: boolean;
  targeting: Targeting;
  totalLimit: number | null;
  perMemberLimit: number | null;
  periodLimit: { count: number; period: Period } | null;
  codeSource: 'pool' | 'pattern';
  codePattern: string | null;
  validity: Validity | null;
  activationDelayDays: number;
  issued: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What a create or update may carry; dates as sent (ISO strings), null clears a nullable field. */
export interface RewardInput {
  name?: string;
  publicName?: string | null;
  description?: string | null;
  imageUrl?: string | null;
  type?: RewardType;
  couponValue?: number | null;
  valueUnit?: string | null;
  conversion?: { units: number; value: number } | null;
  cost?: number;
  balanceDefinitionId?: string | null;
  availableFrom?: string | null;
  availableUntil?: string | null;
  visible?: boolean;
  active?: boolean;
  targeting?: { kind: 'everyone' } | { kind: 'tiers'; tierIds: string[] } | { kind: 'attribute'; attribute: string; value: string | number | boolean };
  limits?: { total?: number | null; perMember?: number | null; perPeriod?: { count: number; period: Period } | null };
  codeSource?: 'pool' | 'pattern';
  codePattern?: string | null;
  validity?: { days: number } | { until: string } | null;
  activationDelayDays?: number;
}

export const defaultCodePattern = 'AAAA-####-AAAA';

const date = (field: string, value: string | null | undefined): Date | null | undefined => {
  if (value === undefined || value === null) return value;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw invalidInput(field, 'is not a date-time');
  return at;
};

const has = <K extends keyof RewardInput>(input: RewardInput, key: K) => input[key] !== undefined;

/**
 * Applies a create or update to a reward and checks the whole result, so a change that would
 * leave the reward inconsistent (a coupon without its value, a window ending before it starts)
 * is refused naming the field, whichever request brought it.
 */
export function applyRewardInput(current: Reward, input: RewardInput): Reward {
  const next: Reward = { ...current };
  if (has(input, 'name')) next.name = input.name!;
  if (has(input, 'publicName')) next.publicName = input.publicName ?? null;
  if (has(input, 'description')) next.description = input.description ?? null;
  if (has(input, 'imageUrl')) next.imageUrl = input.imageUrl ?? null;
  if (has(input, 'type')) next.type = input.type!;
  if (has(input, 'couponValue')) next.couponValue = input.couponValue ?? null;
  if (has(input, 'valueUnit')) next.valueUnit = input.valueUnit ?? null;
  if (has(input, 'conversion')) {
    next.conversionUnits = input.conversion?.units ?? null;
    next.conversionValue = input.conversion?.value ?? null;
  }
  if (has(input, 'cost')) next.cost = input.cost!;
  if (has(input, 'balanceDefinitionId')) next.balanceDefinitionId = input.balanceDefinitionId ?? null;
  if (has(input, 'availableFrom')) next.availableFrom = date('/availableFrom', input.availableFrom) ?? null;
  if (has(input, 'availableUntil')) next.availableUntil = date('/availableUntil', input.availableUntil) ?? null;
  if (has(input, 'visible')) next.visible = input.visible!;
  if (has(input, 'active')) next.active = input.active!;
  if (has(input, 'targeting')) next.targeting = input.targeting as Targeting;
  if (input.limits) {
    if (input.limits.total !== undefined) next.totalLimit = input.limits.total;
    if (input.limits.perMember !== undefined) next.perMemberLimit = input.limits.perMember;
    if (input.limits.perPeriod !== undefined) next.periodLimit = input.limits.perPeriod;
  }
  if (has(input, 'codeSource')) next.codeSource = input.codeSource!;
  if (has(input, 'codePattern')) next.codePattern = input.codePattern ?? null;
  if (has(input, 'validity')) {
    const v = input.validity;
    next.validity = v === null || v === undefined ? null : 'days' in v ? { days: v.days } : { until: date('/validity/until', v.until)! };
  }
  if (has(input, 'activationDelayDays')) next.activationDelayDays = input.activationDelayDays!;
  checkReward(next);
  return next;
}

function checkReward(r: Reward): void {
  if (r.name.trim() === '') throw invalidInput('/name', 'must not be blank');
  if (r.type === 'static_coupon' && r.couponValue === null) throw invalidInput('/couponValue', 'is required for a static coupon');
  if (r.type !== 'static_coupon' && r.couponValue !== null) throw invalidInput('/couponValue', 'is only for a static coupon (a dynamic coupon gets its value at redemption)');
  if (r.type === 'conversion_coupon') {
    if (r.conversionUnits === null) throw invalidInput('/conversion', 'is required for a units-conversion coupon');
    if (r.balanceDefinitionId === null) throw invalidInput('/balanceDefinitionId', 'is required for a units-conversion coupon: the units it converts');
  } else if (r.conversionUnits !== null) {
    throw invalidInput('/conversion', 'is only for a units-conversion coupon');
  }
  if (r.type === 'conversion_coupon' && r.cost !== 0) {
    throw invalidInput('/cost', 'must be 0 for a units-conversion coupon: the member chooses how many units to convert');
  }
  if (r.type === 'material' && r.valueUnit !== null) throw invalidInput('/valueUnit', 'a material reward has no value');
  if (r.cost > 0 && r.balanceDefinitionId === null) throw invalidInput('/balanceDefinitionId', 'is required when the reward has a cost');
  if (r.availableFrom && r.availableUntil && r.availableUntil <= r.availableFrom) {
    throw invalidInput('/availableUntil', 'must be after availableFrom');
  }
  if (r.targeting.kind === 'tiers' && r.targeting.tierIds.length === 0) throw invalidInput('/targeting/tierIds', 'must name at least one tier');
  if (r.codeSource === 'pool' && r.codePattern !== null) throw invalidInput('/codePattern', 'is only for codes generated from a pattern');
  if (r.codeSource === 'pattern' && r.codePattern !== null && !/[#A]/.test(r.codePattern)) {
    throw invalidInput('/codePattern', 'needs at least one # (digit) or A (letter) to vary');
  }
  if (r.validity && 'days' in r.validity && r.validity.days <= r.activationDelayDays) {
    throw invalidInput('/validity/days', 'must be more than activationDelayDays: the voucher would expire before it becomes usable');
  }
}

/** A new reward: the defaults, then the input, checked as a whole. */
export function newReward(input: RewardInput & { name: string; type: RewardType }, base: { id: string; programId: string; now: Date }): Reward {
  return applyRewardInput({
    id: base.id,
    programId: base.programId,
    name: input.name,
    publicName: null,
    description: null,
    imageUrl: null,
    type: input.type,
    couponValue: null,
    valueUnit: null,
    conversionUnits: null,
    conversionValue: null,
    cost: 0,
    balanceDefinitionId: null,
    availableFrom: null,
    availableUntil: null,
    visible: true,
    active: true,
    targeting: { kind: 'everyone' },
    totalLimit: null,
    perMemberLimit: null,
    periodLimit: null,
    codeSource: 'pattern',
    codePattern: null,
    validity: null,
    activationDelayDays: 0,
    issued: 0,
    createdAt: base.now,
    updatedAt: base.now,
  }, input);
}
