import type { Reward } from '../../domain/rewards/reward.ts';
import type { Voucher } from '../../domain/rewards/voucher.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { JobHandler } from '../../scheduler/scheduler.ts';
import type { Queryable } from '../../storage/db.ts';
import { findReward } from '../../storage/rewards/rewards.ts';
import * as vouchers from '../../storage/rewards/vouchers.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { holderOf, type Holder } from './holder.ts';
import { emitExpired, emitExpiryReminder } from './voucher-events.ts';
import { voucherJobs } from './voucher-moments.ts';
import { changeStatus, endPendingRedemption, lockForJob, type VoucherScope } from './vouchers.ts';

/** Vouchers handled per sweep transaction; a sweep with more due comes straight back. */
const sweepBatch = 500;

/** Rewards and holders looked up once per sweep, not once per voucher. */
function scopes(tx: Queryable, scope: ProgramScope) {
  const rewards = new Map<string, Reward>();
  const holders = new Map<string, Holder>();
  return async (voucher: Voucher): Promise<VoucherScope> => {
    if (!rewards.has(voucher.rewardId)) rewards.set(voucher.rewardId, (await findReward(tx, scope.program.id, voucher.rewardId))!);
    if (!holders.has(voucher.memberId)) holders.set(voucher.memberId, (await holderOf(tx, scope.program.id, voucher.memberId))!);
    return { scope, voucher, reward: rewards.get(voucher.rewardId)!, holder: holders.get(voucher.memberId)! };
  };
}

async function comeBack(tx: Queryable, scope: ProgramScope, kind: string) {
  await scheduleJob(tx, { programId: scope.program.id, kind, runAt: scope.now, payload: {}, dedupeKey: `${kind}:more`, now: scope.emit.now });
}

/** Pending vouchers whose moment came become active (RewardRedemptionStatusChanged). */
export function activateVouchersHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const open = scopes(tx, scope);
    const due = await vouchers.dueActivations(tx, job.programId, scope.now, sweepBatch);
    for (const voucher of due) await changeStatus(tx, await open(voucher), 'active');
    if (due.length === sweepBatch) await comeBack(tx, scope, voucherJobs.activate);
  };
}

/** Unused vouchers past their expiry expire (voucher_expired, RewardRedemptionStatusChanged); a pending redemption ends with them. */
export function expireVouchersHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const open = scopes(tx, scope);
    const due = await vouchers.dueExpiries(tx, job.programId, scope.now, sweepBatch);
    for (const voucher of due) {
      const vs = await open(voucher);
      await changeStatus(tx, vs, 'expired', voucher.redemptionStatus === 'pending' ? { redemptionStatus: 'cancelled' } : {});
      await emitExpired(tx, scope.emit, vs.holder.snapshot, vs.reward, vs.voucher);
    }
    if (due.length === sweepBatch) await comeBack(tx, scope, voucherJobs.expire);
  };
}

/** N days before a moment when vouchers expire: CouponWillExpire and voucher_expiration_reminder for each one still unused. */
export function remindVouchersHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const { expiresAt, daysBefore } = job.payload as { expiresAt: string; daysBefore: number };
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const open = scopes(tx, scope);
    let after: string | null = null;
    for (;;) {
      const page = await vouchers.expiringAt(tx, job.programId, new Date(expiresAt), daysBefore, after, sweepBatch);
      for (const voucher of page) {
        const vs = await open(voucher);
        await emitExpiryReminder(tx, scope.emit, vs.holder.snapshot, vs.reward, voucher, {
          daysBefore, cardId: vs.holder.member.cardId,
          membershipCreatedAt: vs.holder.subscription?.createdAt ?? vs.holder.member.createdAt,
        });
      }
      if (page.length < sweepBatch) break;
      after = page[page.length - 1].id;
    }
  };
}

/** A pending redemption not completed within its ttlSeconds ends (voucher_redeem_unauthorized); the voucher can be redeemed again. */
export function redemptionTimeoutHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const { voucherId, startedAt } = job.payload as { voucherId: string; startedAt: string };
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const vs = await lockForJob(tx, scope, voucherId);
    // Completed, cancelled or ended with its voucher before its time-out: nothing to do.
    if (!vs || vs.voucher.redemptionStatus !== 'pending' || vs.voucher.redemptionStartedAt?.toISOString() !== startedAt) return;
    await endPendingRedemption(tx, vs, 'timedOutRedemption');
  };
}
