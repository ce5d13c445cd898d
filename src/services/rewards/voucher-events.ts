import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import type { Reward } from '../../domain/rewards/reward.ts';
import { acquisition, openLoyaltyStatus, type Voucher, type VoucherStatus } from '../../domain/rewards/voucher.ts';
import type { MemberSnapshot } from '../../events/context.ts';
import { emitEvent, type EmitContext } from '../../outbox/emit.ts';
import type { Queryable } from '../../storage/db.ts';

/** The reward as Brevo-family events carry it. */
const offer = (r: Reward) => ({
  id: r.id, name: r.name, public_description: r.description, public_image: r.imageUrl, public_name: r.publicName,
});

/** The issued reward as Open Loyalty-family events carry it. */
const issuedReward = (r: Reward, v: Voucher) => ({ issuedRewardId: v.id, rewardId: r.id, rewardName: r.name, couponCode: v.code });

/** A voucher issued (bought, assigned, granted): CustomerBoughtReward and voucher_created. */
export async function emitIssued(
  tx: Queryable, emit: EmitContext, member: MemberSnapshot, r: Reward, v: Voucher, paidFrom: BalanceDefinition | null,
): Promise<void> {
  await emitEvent(tx, emit, 'CustomerBoughtReward', member, {
    ...issuedReward(r, v),
    acquisition: acquisition[v.source],
    campaignId: v.campaignId,
    costInUnits: v.cost,
    walletType: paidFrom && v.cost > 0 ? { id: paidFrom.id, name: paidFrom.name, unit: paidFrom.unit } : null,
    status: openLoyaltyStatus[v.status],
    validFrom: v.validFrom.toISOString(),
    expiresAt: v.expiresAt?.toISOString() ?? null,
  });
  await emitEvent(tx, emit, 'voucher_created', member, {
    code: v.code,
    expires_at: v.expiresAt?.toISOString() ?? null,
    id: v.id,
    loyalty_program: emit.program,
    offer: offer(r),
    source_event_id: v.sourceEventId,
    valid_from: v.validFrom.toISOString(),
  });
}

export async function emitAttributionFailed(tx: Queryable, emit: EmitContext, member: MemberSnapshot | null, rewardId: string, reason: string) {
  await emitEvent(tx, emit, 'voucher_attribution_failed', member, {
    loyalty_program: emit.program, rejection_error: reason, voucher_offer_id: rewardId,
  });
}

export async function emitStatusChanged(
  tx: Queryable, emit: EmitContext, member: MemberSnapshot, r: Reward, v: Voucher, previous: VoucherStatus,
): Promise<void> {
  await emitEvent(tx, emit, 'RewardRedemptionStatusChanged', member, {
    ...issuedReward(r, v), previousStatus: openLoyaltyStatus[previous], status: openLoyaltyStatus[v.status],
  });
}

export async function emitRedeemed(tx: Queryable, emit: EmitContext, member: MemberSnapshot, r: Reward, v: Voucher) {
  await emitEvent(tx, emit, 'voucher_redeemed', member, { code: v.code, id: v.id, loyalty_program: emit.program, offer: offer(r) });
}

export async function emitRedeemRefused(tx: Queryable, emit: EmitContext, member: MemberSnapshot, r: Reward, v: Voucher, reason: string) {
  await emitEvent(tx, emit, 'voucher_redeem_unauthorized', member, { code: v.code, loyalty_program: emit.program, offer: offer(r), reason });
}

export async function emitRevoked(
  tx: Queryable, emit: EmitContext, member: MemberSnapshot, r: Reward, v: Voucher, sourceEventId: string | null,
) {
  await emitEvent(tx, emit, 'voucher_revoked', member, {
    code: v.code, id: v.id, loyalty_program: emit.program, offer: offer(r), source_event_id: sourceEventId,
  });
}

export async function emitExpired(tx: Queryable, emit: EmitContext, member: MemberSnapshot, r: Reward, v: Voucher) {
  await emitEvent(tx, emit, 'voucher_expired', member, { code: v.code, id: v.id, loyalty_program: emit.program, offer: offer(r) });
}

/** N days before a voucher expires: CouponWillExpire and voucher_expiration_reminder. */
export async function emitExpiryReminder(
  tx: Queryable, emit: EmitContext, member: MemberSnapshot, r: Reward, v: Voucher,
  reminder: { daysBefore: number; cardId: string | null; membershipCreatedAt: Date },
): Promise<void> {
  await emitEvent(tx, emit, 'CouponWillExpire', member, {
    ...issuedReward(r, v), expiresAt: v.expiresAt!.toISOString(), daysBefore: reminder.daysBefore,
  });
  await emitEvent(tx, emit, 'voucher_expiration_reminder', member, {
    code: v.code,
    expired_at: v.expiresAt!.toISOString(),
    id: v.id,
    loyalty_program: emit.program,
    membership: { card_id: reminder.cardId, created_at: reminder.membershipCreatedAt.toISOString() },
    offer: offer(r),
    reminder: { unit: 'day', value: reminder.daysBefore },
    valid_from: v.validFrom.toISOString(),
  });
}
