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

/**
 * Puts a new voucher's moments on the schedule: one due row per program and moment (not per
 * voucher), so the vouchers of a campaign expiring at one midnight are one sweep. The reminder
 * comes N calendar days before the expiry in the program's timezone, N being the program's
 * `expiringNotifications.couponsDaysBefore` (0: no reminder).
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
  const daysBefore = program.settings.expiringNotifications.couponsDaysBefore;
  const remindAt = DateTime.fromJSDate(v.expiresAt, { zone: program.timezone }).minus({ days: daysBefore }).toJSDate();
  if (daysBefore > 0 && remindAt > scope.now) {
    await scheduleJob(tx, { programId: program.id, kind: voucherJobs.remind, runAt: remindAt,
      payload: { expiresAt: v.expiresAt.toISOString(), daysBefore },
      dedupeKey: `${voucherJobs.remind}:${v.expiresAt.toISOString()}`, now });
  }
}

/** The one timeout of a voucher's pending redemption: a new redemption replaces it. */
export const redemptionTimeoutKey = (voucherId: string) => `${voucherJobs.redemptionTimeout}:${voucherId}`;
