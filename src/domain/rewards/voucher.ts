/** A reward issued to a member, and the rules of its use. */
export type VoucherStatus = 'pending' | 'active' | 'redeemed' | 'expired' | 'revoked' | 'cancelled';
export type VoucherSource = 'purchase' | 'admin' | 'campaign' | 'tier';

export interface Voucher {
  id: string;
  programId: string;
  rewardId: string;
  memberId: string;
  code: string;
  status: VoucherStatus;
  source: VoucherSource;
  sourceEventId: string | null;
  campaignId: string | null;
  cost: number;
  balanceDefinitionId: string | null;
  ledgerTransactionId: string | null;
  value: number | null;
  validFrom: Date;
  expiresAt: Date | null;
  /** Days before expiresAt its reminder comes, fixed at issue (null: no reminder). */
  reminderDaysBefore: number | null;
  redemptionStatus: 'pending' | 'completed' | 'cancelled' | null;
  redemptionValue: number | null;
  redemptionStartedAt: Date | null;
  redeemedAt: Date | null;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Open Loyalty's word for each status (an issued reward is `used`; a cancelled purchase is `returned`). */
export const openLoyaltyStatus = {
  pending: 'pending',
  active: 'active',
  redeemed: 'used',
  expired: 'expired',
  revoked: 'cancelled',
  cancelled: 'returned',
} as const satisfies Record<VoucherStatus, string>;

/** How the member got it, in Open Loyalty's words (a tier grant is automatic, like a campaign's). */
export const acquisition = { purchase: 'purchase', admin: 'manual', campaign: 'campaign', tier: 'campaign' } as const;

export const redemptionRefusals = {
  revoked: { code: 'voucher-revoked', reason: 'Voucher is revoked' },
  cancelled: { code: 'voucher-cancelled', reason: 'Voucher is cancelled' },
  used: { code: 'voucher-used', reason: 'Voucher is already used' },
  expired: { code: 'voucher-expired', reason: 'Voucher has expired' },
  notYetValid: { code: 'voucher-not-yet-valid', reason: 'Voucher is not valid yet' },
  wrongMember: { code: 'voucher-wrong-member', reason: 'Voucher belongs to another member' },
  memberInactive: { code: 'voucher-member-inactive', reason: 'Voucher holder is not an active member' },
  inProgress: { code: 'voucher-redemption-pending', reason: 'Voucher redemption is already in progress' },
  cancelledRedemption: { code: 'voucher-redemption-cancelled', reason: 'Voucher redemption cancelled' },
  timedOutRedemption: { code: 'voucher-redemption-expired', reason: 'Voucher redemption expired before completion' },
} as const;
export type RedemptionRefusalKind = keyof typeof redemptionRefusals;

/**
 * Why a voucher cannot be redeemed now by this member (null: it can). Judged from the moments,
 * not only the stored status: a voucher past its expiry is expired even before the sweep ran.
 */
export function redemptionRefusal(
  v: Voucher, now: Date, memberId: string | null, phase: 'start' | 'complete', holderActive: boolean,
): RedemptionRefusalKind | null {
  if (v.status === 'revoked') return 'revoked';
  if (v.status === 'cancelled') return 'cancelled';
  if (v.status === 'redeemed') return 'used';
  if (v.status === 'expired' || (v.expiresAt && now >= v.expiresAt)) return 'expired';
  if (now < v.validFrom) return 'notYetValid';
  if (memberId !== null && memberId !== v.memberId) return 'wrongMember';
  // A deactivated member can neither earn nor spend; using a voucher is spending it.
  if (!holderActive) return 'memberInactive';
  if (phase === 'start' && v.redemptionStatus === 'pending') return 'inProgress';
  return null;
}
