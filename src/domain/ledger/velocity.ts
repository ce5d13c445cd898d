import { DateTime } from 'luxon';
import type { VelocityLimit } from './definition.ts';

/** Where a velocity window starts: a period back from now, or the start of the current period. */
export function velocityWindowStart(limit: VelocityLimit, now: Date, timezone: string): Date {
  const at = DateTime.fromJSDate(now, { zone: timezone });
  if (limit.window === 'calendar') return at.startOf(limit.period).toJSDate();
  return at.minus({ [`${limit.period}s`]: 1 }).toJSDate();
}

/** Whether one more transaction of `amount` stays within the limit, given what the window holds. */
export function withinVelocity(limit: VelocityLimit, used: { count: number; amount: number }, amount: number): boolean {
  return limit.measure === 'count' ? used.count + 1 <= limit.limit : used.amount + amount <= limit.limit;
}
