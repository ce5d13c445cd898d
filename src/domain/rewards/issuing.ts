import { DateTime } from 'luxon';
import type { AttributeValue } from '../../storage/members.ts';
import type { Reward, Targeting } from './reward.ts';

/**
 * Why a reward cannot be issued: the problem code the API answers, its status, and the reason
 * voucher_attribution_failed carries as `rejection_error`.
 */
export const attributionRefusals = {
  inactive: { code: 'reward-inactive', status: 409, reason: 'Reward is not active' },
  notYetAvailable: { code: 'reward-not-available', status: 409, reason: 'Reward is not available yet' },
  noLongerAvailable: { code: 'reward-not-available', status: 409, reason: 'Reward is no longer available' },
  notTargeted: { code: 'reward-not-targeted', status: 403, reason: 'Member is not targeted by this reward' },
  totalLimit: { code: 'reward-limit-reached', status: 409, reason: 'Reward limit reached' },
  memberLimit: { code: 'reward-member-limit-reached', status: 409, reason: 'Reward limit per member reached' },
  periodLimit: { code: 'reward-period-limit-reached', status: 409, reason: 'Reward limit per member and period reached' },
  outOfCodes: { code: 'reward-out-of-codes', status: 409, reason: 'Reward is out of codes' },
  alreadyExpired: { code: 'reward-validity-passed', status: 409, reason: "Reward's validity date has passed" },
  memberInactive: { code: 'member-inactive', status: 409, reason: 'Contact is not active in the loyalty program' },
  conversionOnlyBought: { code: 'reward-must-be-bought', status: 409, reason: 'A units-conversion coupon can only be bought' },
} as const;

export type AttributionRefusalKind = keyof typeof attributionRefusals;

/** Whether the reward targets the member. `tierIds` are the ids of the member's current tiers. */
export function targetingRefusal(
  targeting: Targeting, member: { customAttributes: Record<string, AttributeValue> }, tierIds: readonly string[],
): AttributionRefusalKind | null {
  switch (targeting.kind) {
    case 'everyone':
      return null;
    case 'attribute':
      return member.customAttributes[targeting.attribute] === targeting.value ? null : 'notTargeted';
    case 'tiers':
      return targeting.tierIds.some((id) => tierIds.includes(id)) ? null : 'notTargeted';
  }
}

/** Whether the reward can be issued at all now (active, inside its window). */
export function availabilityRefusal(reward: Reward, now: Date): AttributionRefusalKind | null {
  if (!reward.active) return 'inactive';
  if (reward.availableFrom && now < reward.availableFrom) return 'notYetAvailable';
  if (reward.availableUntil && now >= reward.availableUntil) return 'noLongerAvailable';
  return null;
}

/**
 * When a voucher issued now becomes usable and when it expires: the activation delay and the
 * validity days count calendar days in the program's timezone.
 */
export function voucherDates(reward: Reward, now: Date, timezone: string): { validFrom: Date; expiresAt: Date | null } {
  const issued = DateTime.fromJSDate(now, { zone: timezone });
  const validFrom = reward.activationDelayDays > 0 ? issued.plus({ days: reward.activationDelayDays }).toJSDate() : now;
  const validity = reward.validity;
  const expiresAt = !validity ? null : 'days' in validity ? issued.plus({ days: validity.days }).toJSDate() : validity.until;
  return { validFrom, expiresAt };
}

/** The limits, given how many vouchers of the reward are held in all, by the member, and by the member this period. */
export function limitRefusal(
  reward: Reward, counts: { member: number; memberInPeriod: number },
): AttributionRefusalKind | null {
  if (reward.totalLimit !== null && reward.issued >= reward.totalLimit) return 'totalLimit';
  if (reward.perMemberLimit !== null && counts.member >= reward.perMemberLimit) return 'memberLimit';
  if (reward.periodLimit !== null && counts.memberInPeriod >= reward.periodLimit.count) return 'periodLimit';
  return null;
}

/** Coupon value of a units-conversion coupon bought with `units` (a whole number of conversion steps). */
export function conversionValue(reward: Reward, units: number): number | null {
  if (reward.conversionUnits === null || reward.conversionValue === null) return null;
  if (units <= 0 || units % reward.conversionUnits !== 0) return null;
  return (units / reward.conversionUnits) * reward.conversionValue;
}
