import { DateTime } from 'luxon';
import type { Voucher } from '../../domain/rewards/voucher.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { Queryable } from '../../storage/db.ts';
import type { ProgramScope } from '../emit-context.ts';

export const voucherJobs = {
  activate: 'rewards.activate-vouchers',
  expire: 'rewards.expire-vouchers',
  remind: 'rewards.remind-vouchers',
  redemptionTimeout: 'rewards.redemption-timeout',
} as const;

const remindAt = (scope: ProgramScope, expiresAt: Date, daysBefore: number) =>
  DateTime.fromJSDate(expiresAt, { zone: scope.program.timezone }).minus({ days: daysBefore }).toJSDate();

/**
 * How many days before its expiry a voucher issued now is reminded: the program's
 * `expiringNotifications.couponsDaysBefore` as it is now, fixed on the voucher so that a later
 * change of the setting does not move it. Null (no reminder) when it never expires, the setting
 * is 0, or the reminder's moment is already past.
 */
export function reminderDaysBefore(scope: ProgramScope, expiresAt: Date | null): number | null {
  const daysBefore = scope.program.settings.expiringNotifications.couponsDaysBefore;
  if (!expiresAt || daysBefore <= 0 || remindAt(scope, expiresAt, daysBefore) <= scope.now) return null;
  return daysBefore;
}

/**
 * Puts a new voucher's moments on the schedule: one due row per program and moment (not per
 * voucher), so the vouchers of a campaign expiring at one midnight are one sweep. The reminder
 * comes `reminderDaysBefore` calendar days before the expiry in the program's timezone; its row is
 * per moment and days-before, so vouchers sharing an expiry but issued under different settings
 * are each reminded at their own N.
 */
export async function scheduleVoucherMoments(tx: Queryable, scope: ProgramScope, v: Voucher): Promise<void> {
  const { program } = scope;
  const now = scope.emit.now;
  if (v.status === 'pending') {
    await scheduleJob(tx, { programId: program.id, kind: voucherJobs.activate, runAt: v.validFrom, payload: {},
      dedupeKey: `${voucherJobs.activate}:${v.validFrom.toISOString()}`, now });
  }
  if (!v.expiresAt) return;
  await scheduleJob(tx, { programId: program.id, kind: voucherJobs.expire, runAt: v.expiresAt, payload: {},
    dedupeKey: `${voucherJobs.expire}:${v.expiresAt.toISOString()}`, now });
  const daysBefore = v.reminderDaysBefore;
  if (daysBefore !== null) {
    await scheduleJob(tx, { programId: program.id, kind: voucherJobs.remind, runAt: remindAt(scope, v.expiresAt, daysBefore),
      payload: { expiresAt: v.expiresAt.toISOString(), daysBefore },
      dedupeKey: `${voucherJobs.remind}:${v.expiresAt.toISOString()}:${daysBefore}`, now });
  }
}

/** The one timeout of a voucher's pending redemption: a new redemption replaces it. */
export const redemptionTimeoutKey = (voucherId: string) => `${voucherJobs.redemptionTimeout}:${voucherId}`;
