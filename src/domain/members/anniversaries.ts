import { DateTime } from 'luxon';

/**
 * The k-th monthly anniversary of an enrolment, in the program's time zone, at the enrolment's
 * local time. Counted from the enrolment each time (never from the previous anniversary), so an
 * enrolment on the 31st falls on the last day of shorter months and comes back to the 31st.
 */
export function monthAnniversary(createdAt: Date, timezone: string, months: number): Date {
  return DateTime.fromJSDate(createdAt, { zone: timezone }).plus({ months }).toJSDate();
}

/** The first monthly anniversary strictly after `now` (back-dated enrolments skip the past ones). */
export function nextMonthAnniversary(createdAt: Date, timezone: string, now: Date): { months: number; at: Date } {
  const start = DateTime.fromJSDate(createdAt, { zone: timezone });
  let months = Math.max(1, Math.floor(DateTime.fromJSDate(now, { zone: timezone }).diff(start, 'months').months));
  while (monthAnniversary(createdAt, timezone, months) <= now) months++;
  while (months > 1 && monthAnniversary(createdAt, timezone, months - 1) > now) months--;
  return { months, at: monthAnniversary(createdAt, timezone, months) };
}

/** When the reminder for the `years`-th yearly anniversary is due. */
export function anniversaryReminderAt(createdAt: Date, timezone: string, years: number, daysBefore: number): Date {
  return DateTime.fromJSDate(createdAt, { zone: timezone }).plus({ years }).minus({ days: daysBefore }).toJSDate();
}

/** The first yearly anniversary whose reminder is still ahead of `now`. */
export function nextAnniversaryReminder(createdAt: Date, timezone: string, daysBefore: number, now: Date) {
  let years = 1;
  while (anniversaryReminderAt(createdAt, timezone, years, daysBefore) <= now) years++;
  return { years, at: anniversaryReminderAt(createdAt, timezone, years, daysBefore) };
}
