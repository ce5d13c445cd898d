import { DateTime } from 'luxon';
import type { Expiry } from './definition.ts';

/**
 * When a lot that becomes available at `from` expires, in the program's timezone; null for
 * never. "End of period" means the first instant after the period (midnight starting the next
 * day, week, month or year), so the whole last day still counts.
 */
export function lotExpiresAt(expiry: Expiry, from: Date, timezone: string): Date | null {
  const start = DateTime.fromJSDate(from, { zone: timezone });
  if (expiry.kind === 'none') return null;
  if (expiry.kind === 'fixed_date') {
    let candidate = start.set({ month: expiry.month, day: 1 }).startOf('day');
    candidate = candidate.set({ day: Math.min(expiry.day, candidate.daysInMonth ?? 28) });
    if (candidate <= start) {
      const next = start.plus({ years: 1 }).set({ month: expiry.month, day: 1 }).startOf('day');
      candidate = next.set({ day: Math.min(expiry.day, next.daysInMonth ?? 28) });
    }
    return candidate.toJSDate();
  }
  const end = start.plus({ [`${expiry.unit}s`]: expiry.amount });
  if (expiry.alignment === 'start_of_period') return end.startOf(expiry.unit).toJSDate();
  if (expiry.alignment === 'end_of_period') return end.startOf(expiry.unit).plus({ [`${expiry.unit}s`]: 1 }).toJSDate();
  return end.toJSDate();
}
