import { Type } from 'typebox';
import { closedObject, dateTime, integer, nullableText, nullableUuid, oneOf, text, uuid } from '../schema-kit.ts';

/** Pieces of `data` shared by several Open Loyalty-family events. Amounts are integers in minor units. */

export const walletType = closedObject(
  {
    id: uuid('Balance definition id'),
    name: text('Wallet type (balance definition) name'),
    unit: text('Unit, e.g. "points" or "EUR"'),
  },
  'The wallet type (balance definition) the units belong to',
);

export const unitChangeReasons = [
  'spend',
  'add',
  'deduct',
  'campaign',
  'import',
  'cancel',
  'activate',
  'expire',
  'block',
  'unblock',
  'transfer_in',
  'transfer_out',
] as const;

export const unitChangeReason = oneOf(
  unitChangeReasons,
  'Why the units changed: spent (spend endpoint or reward purchase), added or deducted by an admin, by a campaign or by an import, a transfer cancelled, pending units activated, units expired, blocked or unblocked, received from or sent to another member',
);

export const transferId = nullableUuid('Id of the unit transfer (ledger transaction) behind the change; null when there is none (e.g. a lot expiring)');

export const amountChange = integer('Signed change of the available units, in minor units (negative for a debit)');

/** The purchase document as registered, shared by the two transaction events. */
export const transactionDocument = {
  transactionId: uuid('Purchase transaction id'),
  documentNumber: text('Document number given by the business (receipt or invoice number)'),
  documentType: oneOf(['sell', 'return'], 'A sale or a return'),
  purchasedAt: dateTime('When the purchase (or return) happened'),
  grossValue: integer('Gross value of the document in minor units of its currency (positive for sells and returns alike)', {
    minimum: 0,
  }),
  currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code' }),
  returnedDocumentNumber: nullableText('For a return, the document number of the sale it returns; null otherwise'),
} as const;

export const issuedRewardStatuses = ['pending', 'active', 'used', 'cancelled', 'expired', 'returned'] as const;

/** An issued reward (coupon) and the catalog reward it comes from. */
export const issuedReward = {
  issuedRewardId: uuid('Id of the issued reward (the coupon held by the member)'),
  rewardId: uuid('Id of the catalog reward'),
  rewardName: text('Reward name'),
  couponCode: nullableText('Coupon code; null for rewards without a code'),
} as const;
