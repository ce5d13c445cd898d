import { Problem, invalidInput } from '../../domain/problem.ts';
import type { Reward } from '../../domain/rewards/reward.ts';
import { redemptionRefusal, redemptionRefusals, type RedemptionRefusalKind, type Voucher, type VoucherStatus } from '../../domain/rewards/voucher.ts';
import { scheduleJob, unscheduleJob } from '../../scheduler/schedule.ts';
import type { Queryable } from '../../storage/db.ts';
import * as ledgerTransactions from '../../storage/ledger/transactions.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import { addIssued, findReward, findRewards } from '../../storage/rewards/rewards.ts';
import * as vouchers from '../../storage/rewards/vouchers.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { reverseInScope } from '../ledger/reverse.ts';
import { scopeOfTransaction } from '../ledger/transactions.ts';
import { loadMember } from '../members/load-member.ts';
import { holderOf, type Holder } from './holder.ts';
import { emitRedeemRefused, emitRedeemed, emitRevoked, emitStatusChanged } from './voucher-events.ts';
import { redemptionTimeoutKey, voucherJobs } from './voucher-moments.ts';
import { voucherView } from './views.ts';

/** A redemption refused: answered after its voucher_redeem_unauthorized has been committed. */
export class RedemptionRefusal extends Problem {
  constructor(kind: RedemptionRefusalKind) {
    const r = redemptionRefusals[kind];
    super(409, r.code, 'Redemption refused', r.reason);
  }
}

/** Runs a use case whose refusal must still commit its event: the refusal is thrown after the commit. */
async function withRedemptionRefusals<T>(ctx: ServiceContext, work: (tx: Queryable) => Promise<T | RedemptionRefusal>): Promise<T> {
  const result = await ctx.db.transaction(work);
  if (result instanceof RedemptionRefusal) throw result;
  return result;
}

/** A voucher with what its events need: its reward and its holder. */
export interface VoucherScope {
  scope: ProgramScope;
  voucher: Voucher;
  reward: Reward;
  holder: Holder;
}

async function openVoucher(tx: Queryable, scope: ProgramScope, found: Voucher | undefined, field: string, id: string): Promise<VoucherScope> {
  if (!found) throw new Problem(404, 'not-found', 'Not found', `voucher ${id} does not exist`, [{ field, message: 'is not a voucher of this program' }]);
  const reward = (await findReward(tx, scope.program.id, found.rewardId))!;
  const holder = (await holderOf(tx, scope.program.id, found.memberId))!;
  return { scope, voucher: found, reward, holder };
}

const lockById = async (tx: Queryable, scope: ProgramScope, id: string, field = 'path.voucherId') =>
  openVoucher(tx, scope, await vouchers.findVoucher(tx, scope.program.id, id, true), field, id);

/** Moves a voucher to a new status, saving it and firing RewardRedemptionStatusChanged. */
export async function changeStatus(tx: Queryable, vs: VoucherScope, status: VoucherStatus, patch: Partial<Voucher> = {}) {
  const previous = vs.voucher.status;
  vs.voucher = { ...vs.voucher, ...patch, status, updatedAt: vs.scope.now };
  await vouchers.saveVoucherState(tx, vs.voucher);
  if (status !== previous) await emitStatusChanged(tx, vs.scope.emit, vs.holder.snapshot, vs.reward, vs.voucher, previous);
}

/** A pending voucher whose moment has come is active, even before the activation sweep gets to it. */
async function activateIfDue(tx: Queryable, vs: VoucherScope) {
  if (vs.voucher.status === 'pending' && vs.voucher.validFrom <= vs.scope.now) await changeStatus(tx, vs, 'active');
}

export async function getVoucher(ctx: ServiceContext, programId: string, id: string) {
  const found = await vouchers.findVoucher(ctx.db, programId, id);
  if (!found) throw new Problem(404, 'not-found', 'Not found', `voucher ${id} does not exist`);
  return voucherView(found, await findReward(ctx.db, programId, found.rewardId));
}

export async function listVouchers(ctx: ServiceContext, programId: string, filter: vouchers.VoucherFilter, page: PageRequest) {
  if (filter.memberId) await loadMember(ctx.db, programId, filter.memberId);
  const rows = await vouchers.listVouchers(ctx.db, programId, filter, page);
  const rewards = new Map((await findRewards(ctx.db, programId, [...new Set(rows.map((v) => v.rewardId))])).map((r) => [r.id, r]));
  return toPage(rows, page.limit, (v) => voucherView(v, rewards.get(v.rewardId)));
}

export interface RedemptionTarget {
  code?: string;
  voucherId?: string;
  /** The member presenting the voucher: refused when it is someone else's. */
  memberId?: string;
}

async function locate(tx: Queryable, scope: ProgramScope, target: RedemptionTarget, forUpdate: boolean) {
  if ((target.code === undefined) === (target.voucherId === undefined)) throw invalidInput('/code', 'give either code or voucherId');
  const found = target.code !== undefined
    ? await vouchers.findVoucherByCode(tx, scope.program.id, target.code, forUpdate)
    : await vouchers.findVoucher(tx, scope.program.id, target.voucherId!, forUpdate);
  return openVoucher(tx, scope, found, target.code !== undefined ? '/code' : '/voucherId', target.code ?? target.voucherId!);
}

/** What a point of sale asks before redeeming: can this voucher be used now, by this member? Changes nothing. */
export async function validateVoucher(ctx: ServiceContext, programId: string, target: RedemptionTarget) {
  const scope = await programScope(ctx.db, ctx, programId, 'api');
  const vs = await locate(ctx.db, scope, target, false);
  const refusal = redemptionRefusal(vs.voucher, scope.now, target.memberId ?? null, 'start', vs.holder.member.status === 'active');
  return {
    valid: refusal === null,
    reason: refusal === null ? null : redemptionRefusals[refusal].reason,
    code: refusal === null ? null : redemptionRefusals[refusal].code,
    voucher: voucherView(vs.voucher, vs.reward),
  };
}

async function refuse(tx: Queryable, vs: VoucherScope, kind: RedemptionRefusalKind) {
  await emitRedeemRefused(tx, vs.scope.emit, vs.holder.snapshot, vs.reward, vs.voucher, redemptionRefusals[kind].reason);
  return new RedemptionRefusal(kind);
}

async function complete(tx: Queryable, vs: VoucherScope) {
  await changeStatus(tx, vs, 'redeemed', { redemptionStatus: 'completed', redeemedAt: vs.scope.now });
  await emitRedeemed(tx, vs.scope.emit, vs.holder.snapshot, vs.reward, vs.voucher);
}

/**
 * Redeems a voucher by code or id. Two-phase like the ledger: the redemption waits, pending,
 * until completed or cancelled (the voucher cannot be redeemed twice meanwhile), or completes at
 * once with autoComplete. A dynamic coupon gets its value here. A refusal (revoked, cancelled,
 * already used, expired, not valid yet, someone else's, a deactivated holder, a redemption in progress) fires
 * voucher_redeem_unauthorized with the reason and answers 409.
 */
export async function redeemVoucher(
  ctx: ServiceContext, programId: string,
  input: RedemptionTarget & { value?: number; autoComplete?: boolean; ttlSeconds?: number }, source = 'api',
) {
  if (input.ttlSeconds !== undefined && input.autoComplete) throw invalidInput('/ttlSeconds', 'applies only to a pending redemption (autoComplete false)');
  return withRedemptionRefusals(ctx, async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const vs = await locate(tx, scope, input, true);
    await activateIfDue(tx, vs);
    // A voucher that cannot be used is refused (with its event) whatever value was sent: the
    // value only matters for a redemption that can go ahead.
    const refusal = redemptionRefusal(vs.voucher, scope.now, input.memberId ?? null, 'start', vs.holder.member.status === 'active');
    if (refusal) return refuse(tx, vs, refusal);
    if (vs.reward.type === 'dynamic_coupon' && input.value === undefined) throw invalidInput('/value', 'is required to redeem a dynamic coupon: its value is set at redemption');
    if (vs.reward.type !== 'dynamic_coupon' && input.value !== undefined) throw invalidInput('/value', 'is only for a dynamic coupon; this voucher has its value already');
    vs.voucher = { ...vs.voucher, redemptionStatus: 'pending', redemptionValue: input.value ?? vs.voucher.value,
      redemptionStartedAt: scope.now, updatedAt: scope.now };
    if (input.autoComplete) await complete(tx, vs);
    else await vouchers.saveVoucherState(tx, vs.voucher);
    if (input.ttlSeconds) {
      await scheduleJob(tx, { programId, kind: voucherJobs.redemptionTimeout, runAt: new Date(scope.now.getTime() + input.ttlSeconds * 1000),
        payload: { voucherId: vs.voucher.id, startedAt: scope.now.toISOString() }, dedupeKey: redemptionTimeoutKey(vs.voucher.id), now: scope.emit.now });
    }
    return voucherView(vs.voucher, vs.reward);
  });
}

const wrongState = (v: Voucher, action: string) =>
  new Problem(409, 'voucher-state', 'Voucher state does not allow this', `cannot ${action}: the voucher is ${v.status}${v.redemptionStatus ? `, its redemption ${v.redemptionStatus}` : ''}`);

/** Completes a pending redemption, checking the voucher again as it is now (it may have expired meanwhile). */
export async function completeRedemption(ctx: ServiceContext, programId: string, voucherId: string, source = 'api') {
  return withRedemptionRefusals(ctx, async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const vs = await lockById(tx, scope, voucherId);
    if (vs.voucher.redemptionStatus !== 'pending' || vs.voucher.status !== 'active') throw wrongState(vs.voucher, 'complete a redemption');
    const refusal = redemptionRefusal(vs.voucher, scope.now, null, 'complete', vs.holder.member.status === 'active');
    if (refusal) return refuse(tx, vs, refusal);
    await complete(tx, vs);
    await unscheduleJob(tx, programId, redemptionTimeoutKey(voucherId));
    return voucherView(vs.voucher, vs.reward);
  });
}

/**
 * Ends a pending redemption without using the voucher, which can be redeemed again: cancelled by
 * the caller, or timed out (its ttlSeconds ran out). Fires voucher_redeem_unauthorized with why,
 * as the ledger does for a cancelled or timed-out transaction.
 */
export async function endPendingRedemption(tx: Queryable, vs: VoucherScope, outcome: 'cancelledRedemption' | 'timedOutRedemption') {
  vs.voucher = { ...vs.voucher, redemptionStatus: 'cancelled', updatedAt: vs.scope.now };
  await vouchers.saveVoucherState(tx, vs.voucher);
  await unscheduleJob(tx, vs.scope.program.id, redemptionTimeoutKey(vs.voucher.id));
  await emitRedeemRefused(tx, vs.scope.emit, vs.holder.snapshot, vs.reward, vs.voucher, redemptionRefusals[outcome].reason);
}

export async function cancelRedemption(ctx: ServiceContext, programId: string, voucherId: string, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const vs = await lockById(tx, scope, voucherId);
    if (vs.voucher.redemptionStatus !== 'pending') throw wrongState(vs.voucher, 'cancel a redemption');
    await endPendingRedemption(tx, vs, 'cancelledRedemption');
    return voucherView(vs.voucher, vs.reward);
  });
}

/** Opens a voucher for a job, locked; undefined when it is gone from the program. */
export async function lockForJob(tx: Queryable, scope: ProgramScope, voucherId: string): Promise<VoucherScope | undefined> {
  const found = await vouchers.findVoucher(tx, scope.program.id, voucherId, true);
  return found && openVoucher(tx, scope, found, 'voucherId', voucherId);
}

const unused = (v: Voucher) => v.status === 'pending' || v.status === 'active';
const endRedemption = (v: Voucher) => (v.redemptionStatus === 'pending' ? { redemptionStatus: 'cancelled' as const } : {});

/** Revokes an unused voucher (voucher_revoked): it can no longer be used; units paid for it stay spent. */
export async function revokeVoucher(ctx: ServiceContext, programId: string, voucherId: string, comment: string | undefined, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const vs = await lockById(tx, scope, voucherId);
    if (!unused(vs.voucher)) throw wrongState(vs.voucher, 'revoke');
    await changeStatus(tx, vs, 'revoked', { ...endRedemption(vs.voucher), comment: comment ?? vs.voucher.comment });
    await emitRevoked(tx, scope.emit, vs.holder.snapshot, vs.reward, vs.voucher, null);
    return voucherView(vs.voucher, vs.reward);
  });
}

/**
 * Cancels an unused voucher as if it had not been issued: a bought one gives its units back to
 * the lots they came from (a reversal of the purchase's debit, with the ledger's events), and it
 * no longer counts against the reward's limits. Fires RewardRedemptionStatusChanged (`returned`)
 * and voucher_revoked, whose source_event_id is the reversal.
 */
export async function cancelVoucher(ctx: ServiceContext, programId: string, voucherId: string, comment: string | undefined, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const vs = await lockById(tx, scope, voucherId);
    if (!unused(vs.voucher)) throw wrongState(vs.voucher, 'cancel');
    // Locks in the order a purchase takes them — balance, reward, then the program's event
    // sequence (taken by the first event) — so a cancel and a purchase cannot deadlock.
    const debit = vs.voucher.ledgerTransactionId
      ? (await ledgerTransactions.findTransaction(tx, programId, vs.voucher.ledgerTransactionId))! : null;
    const ls = debit ? await scopeOfTransaction(tx, scope, debit) : null;
    await addIssued(tx, vs.reward.id, -1);
    const reversalId = debit && ls ? (await reverseInScope(tx, ls, debit, `voucher ${vs.voucher.code} cancelled`)).id : null;
    await changeStatus(tx, vs, 'cancelled', { ...endRedemption(vs.voucher), comment: comment ?? vs.voucher.comment });
    await emitRevoked(tx, scope.emit, vs.holder.snapshot, vs.reward, vs.voucher, reversalId);
    return voucherView(vs.voucher, vs.reward);
  });
}
