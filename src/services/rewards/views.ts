import { defaultCodePattern, type Reward } from '../../domain/rewards/reward.ts';
import type { Voucher } from '../../domain/rewards/voucher.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** What the member catalog and the admin view both show of a reward. */
const offered = (r: Reward) => ({
  description: r.description,
  imageUrl: r.imageUrl,
  type: r.type,
  couponValue: r.couponValue,
  valueUnit: r.valueUnit,
  conversion: r.conversionUnits === null ? null : { units: r.conversionUnits, value: r.conversionValue! },
  cost: r.cost,
  balanceDefinitionId: r.balanceDefinitionId,
  availableUntil: iso(r.availableUntil),
});

export function rewardView(r: Reward, codes?: { total: number; free: number }) {
  return {
    id: r.id,
    name: r.name,
    publicName: r.publicName,
    ...offered(r),
    availableFrom: iso(r.availableFrom),
    visible: r.visible,
    active: r.active,
    targeting: r.targeting,
    limits: { total: r.totalLimit, perMember: r.perMemberLimit, perPeriod: r.periodLimit },
    codeSource: r.codeSource,
    codePattern: r.codeSource === 'pattern' ? (r.codePattern ?? defaultCodePattern) : null,
    validity: r.validity === null ? null : 'days' in r.validity ? { days: r.validity.days } : { until: r.validity.until.toISOString() },
    activationDelayDays: r.activationDelayDays,
    issued: r.issued,
    ...(codes ? { codes } : {}),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** What a member sees of a reward in their catalog: no internal name, limits or targeting. */
export function catalogView(r: Reward) {
  return { id: r.id, name: r.publicName ?? r.name, ...offered(r) };
}

export function voucherView(v: Voucher, reward?: Reward) {
  return {
    id: v.id,
    rewardId: v.rewardId,
    ...(reward ? { rewardName: reward.publicName ?? reward.name, rewardType: reward.type } : {}),
    memberId: v.memberId,
    code: v.code,
    status: v.status,
    source: v.source,
    sourceEventId: v.sourceEventId,
    campaignId: v.campaignId,
    cost: v.cost,
    balanceDefinitionId: v.balanceDefinitionId,
    ledgerTransactionId: v.ledgerTransactionId,
    value: v.value,
    validFrom: v.validFrom.toISOString(),
    expiresAt: iso(v.expiresAt),
    redemption: v.redemptionStatus === null ? null : {
      status: v.redemptionStatus,
      value: v.redemptionValue,
      startedAt: iso(v.redemptionStartedAt),
      completedAt: iso(v.redeemedAt),
    },
    comment: v.comment,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
  };
}
export type VoucherView = ReturnType<typeof voucherView>;
