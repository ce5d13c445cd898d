/**
 * Why a transaction is refused: the code answered by the API and the reason carried by
 * balance_transaction_unauthorized, in the wording of the Brevo reference where it has one.
 */
export const refusals = {
  maximum: { code: 'balance-maximum', status: 422, reason: 'Amount falls above maximum balance amount limit' },
  insufficient: { code: 'insufficient-balance', status: 422, reason: 'Amount falls below available balance amount' },
  creditCap: { code: 'credit-cap', status: 422, reason: 'Amount falls above maximum credit amount per operation' },
  debitCap: { code: 'debit-cap', status: 422, reason: 'Amount falls above maximum debit amount per operation' },
  velocity: { code: 'velocity-limit', status: 429, reason: 'Transaction exceeds velocity limit' },
  memberInactive: { code: 'member-inactive', status: 409, reason: 'Contact is not active in the loyalty program' },
  subscriptionRevoked: { code: 'subscription-revoked', status: 409, reason: 'Loyalty subscription is revoked' },
  roundedToZero: { code: 'amount-rounded-to-zero', status: 422, reason: 'Amount is zero after rounding' },
  cancelled: { code: 'transaction-cancelled', status: 200, reason: 'Transaction cancelled' },
  expired: { code: 'transaction-expired', status: 200, reason: 'Transaction expired before completion' },
} as const;

export type RefusalKind = keyof typeof refusals;
