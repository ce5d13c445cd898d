import { DateTime } from 'luxon';
import { lotExpiresAt } from '../ledger/expiry.ts';
import { nextAnniversaryReminder, nextMonthAnniversary } from '../members/anniversaries.ts';
import type { MemberTier, Strategy, TierGroup } from './tier-group.ts';

/** The dates a member's yearly moments count from: their enrolment and their current tier. */
export interface TierReferences {
  joinedAt: Date;
  attributedAt: Date;
}

/** The first yearly anniversary of `from` strictly after `after`, in the program's timezone. */
function nextYearly(from: Date, after: Date, timezone: string): Date {
  const start = DateTime.fromJSDate(from, { zone: timezone });
  let years = Math.max(1, Math.floor(DateTime.fromJSDate(after, { zone: timezone }).diff(start, 'years').years));
  while (years > 1 && start.plus({ years: years - 1 }).toJSDate() > after) years--;
  while (start.plus({ years }).toJSDate() <= after) years++;
  return start.plus({ years }).toJSDate();
}

/** A strategy's next moment after `after`; null for real time and none, which have no moments. */
export function nextStrategyMoment(strategy: Strategy, refs: TierReferences, after: Date, timezone: string): Date | null {
  switch (strategy.kind) {
    case 'membership_anniversary': return nextYearly(refs.joinedAt, after, timezone);
    case 'tier_anniversary': return nextYearly(refs.attributedAt, after, timezone);
    case 'fixed_date': return lotExpiresAt({ kind: 'fixed_date', month: strategy.month, day: strategy.day }, after, timezone);
    default: return null;
  }
}

const earliest = (...dates: Array<Date | null>) =>
  dates.reduce<Date | null>((min, d) => (d && (!min || d < min) ? d : min), null);

/** Whether a strategy lets a tier move at `moment`: real time always, a yearly one at its own moment. */
export function strategyAllows(strategy: Strategy, refs: TierReferences, moment: Date, timezone: string): boolean {
  if (strategy.kind === 'realtime') return true;
  const own = nextStrategyMoment(strategy, refs, new Date(moment.getTime() - 1), timezone);
  return own !== null && own.getTime() === moment.getTime();
}

export interface MemberTierMoments {
  reviewAt: Date | null;
  reviewReminderAt: Date | null;
  tierReminderAt: Date | null;
  monthAnniversaryAt: Date | null;
}

/**
 * A member's next moments in a group after `now`: the next scheduled recalculation (none for a
 * manual tier, which recalculations keep), LevelWillExpire N days before it when a yearly
 * downgrade falls then, the tier anniversary's reminder and the next monthly anniversary of the tier.
 */
export function memberTierMoments(
  group: TierGroup,
  row: Pick<MemberTier, 'manual' | 'attributedAt'>,
  joinedAt: Date,
  now: Date,
  timezone: string,
  days: { levelWillExpire: number; tierAnniversary: number },
): MemberTierMoments {
  const refs = { joinedAt, attributedAt: row.attributedAt };
  const reviewAt = row.manual ? null : earliest(
    nextStrategyMoment(group.upgradeStrategy, refs, now, timezone),
    nextStrategyMoment(group.downgradeStrategy, refs, now, timezone),
  );
  let reviewReminderAt: Date | null = null;
  // Only a yearly downgrade can take the tier down at a scheduled moment: a real-time one has
  // already acted on every change, so nothing is left to expire then.
  const yearlyDowngrade = group.downgradeStrategy.kind !== 'realtime';
  if (reviewAt && days.levelWillExpire > 0 && yearlyDowngrade && strategyAllows(group.downgradeStrategy, refs, reviewAt, timezone)) {
    const at = DateTime.fromJSDate(reviewAt, { zone: timezone }).minus({ days: days.levelWillExpire }).toJSDate();
    if (at > now) reviewReminderAt = at;
  }
  const tierReminderAt = days.tierAnniversary > 0
    ? nextAnniversaryReminder(row.attributedAt, timezone, days.tierAnniversary, now).at : null;
  return { reviewAt, reviewReminderAt, tierReminderAt, monthAnniversaryAt: nextMonthAnniversary(row.attributedAt, timezone, now).at };
}

/**
 * Calendar days from a reminder to the moment it announces, in the program's timezone: what a
 * reminder reports is the offset it was really scheduled at, even if the setting changed since.
 */
export function daysBetween(reminder: Date, moment: Date, timezone: string): number {
  return Math.round(DateTime.fromJSDate(moment, { zone: timezone }).diff(DateTime.fromJSDate(reminder, { zone: timezone }), 'days').days);
}
