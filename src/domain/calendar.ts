import { DateTime } from 'luxon';

/** A calendar period of the program's timezone, for limits counted per day, week, month or year. */
export type CalendarPeriod = 'day' | 'week' | 'month' | 'year';

/** Start of the calendar period (in `timezone`) that `at` falls in. */
export function periodStart(period: CalendarPeriod, at: Date, timezone: string): Date {
  return DateTime.fromJSDate(at, { zone: timezone }).startOf(period).toJSDate();
}
