import { Type } from 'typebox';
import { closedObject, dateTime, integer, nullable, nullableText, nullableUuid, oneOf, text, uuid } from '../schema-kit.ts';
import { defineOpenLoyaltyEvent } from './define.ts';
import { amountChange, transactionDocument, transferId, unitChangeReason, walletType } from './subjects.ts';

const unitTriggers = [
  'Units are spent (reward purchase or spend endpoint)',
  'Units are added or deducted manually by an admin',
  'A campaign adds or deducts units',
  'Unit transfers are imported',
  'A unit transfer is cancelled',
  'Pending units are activated (automatically or manually)',
  'Units expire (automatically or manually)',
  'Units are blocked or unblocked',
  'Units are transferred between members (two events are sent: sender + receiver)',
] as const;

const exampleWalletType = { id: '01974f0e-41c2-7a3b-9e4d-1f2a3b4c5d6e', name: 'Points', unit: 'points' };

const exampleDocument = {
  transactionId: '01975a1b-2c3d-7e4f-8a5b-6c7d8e9f0a1b',
  documentNumber: 'INV-2025-000123',
  documentType: 'sell',
  purchasedAt: '2025-06-10T07:05:42.000Z',
  grossValue: 4599,
  currency: 'EUR',
  returnedDocumentNumber: null,
} as const;

export const transactionsAndUnitsEvents = [
  defineOpenLoyaltyEvent({
    name: 'TransactionRegistered',
    group: 'transactions_and_units',
    firesWhen:
      'Sent when a transaction is created (in the admin panel, via API or by import). `customer` is the matched member, or null when the transaction is not matched to a member yet (TransactionAssignedToCustomer follows when it is).',
    customerMayBeNull: true,
    fields: { ...transactionDocument },
    exampleFields: { ...exampleDocument },
  }),
  defineOpenLoyaltyEvent({
    name: 'AvailablePointsAmountChanged',
    group: 'transactions_and_units',
    firesWhen: "Sent when a member's available units change.",
    triggers: unitTriggers,
    fields: {
      walletType,
      amountChange,
      availableAmount: integer('Available units after the change, in minor units'),
      reason: unitChangeReason,
      transferId,
    },
    exampleFields: {
      walletType: exampleWalletType,
      amountChange: 460,
      availableAmount: 1710,
      reason: 'campaign',
      transferId: '01975a1c-0a1b-7c2d-8e3f-4a5b6c7d8e9f',
    },
  }),
  defineOpenLoyaltyEvent({
    name: 'TransactionAssignedToCustomer',
    group: 'transactions_and_units',
    firesWhen: 'Sent when a transaction is matched to a member, when it is registered or later.',
    fields: {
      ...transactionDocument,
      matchedBy: oneOf(
        ['customerId', 'loyaltyCardNumber', 'email', 'phone', 'manual'],
        'The identifier the transaction was matched by, or `manual` when an admin assigned it',
      ),
    },
    exampleFields: { ...exampleDocument, matchedBy: 'loyaltyCardNumber' },
  }),
  defineOpenLoyaltyEvent({
    name: 'CampaignEffectWasApplied',
    group: 'transactions_and_units',
    firesWhen:
      'Sent when a campaign effect is applied to a member: awarding or deducting units, granting rewards, and changing member custom attributes. The events of the effect itself (e.g. AvailablePointsAmountChanged, CustomerBoughtReward) are sent as well. Members of `data` that do not apply to the effect type are null.',
    fields: {
      campaignId: uuid('Campaign id'),
      campaignName: text('Campaign name'),
      effectType: oneOf(['award_units', 'deduct_units', 'grant_reward', 'set_custom_attribute'], 'What the effect did'),
      walletType: nullable(walletType, { description: 'Wallet type of the units awarded or deducted' }),
      amount: nullable(Type.Integer({ minimum: 0 }), { description: 'Units awarded or deducted, in minor units' }),
      rewardId: nullableUuid('Catalog reward granted'),
      rewardName: nullableText('Name of the reward granted'),
      issuedRewardId: nullableUuid('Issued reward (coupon) created for the member'),
      customAttribute: nullable(
        closedObject({
          key: text('Custom attribute name'),
          value: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()], { description: 'Value set' }),
        }),
        { description: 'Custom attribute set on the member' },
      ),
      transactionId: nullableUuid('Purchase transaction that triggered the campaign, if any'),
    },
    exampleFields: {
      campaignId: '01974f10-5a6b-7c8d-9e0f-1a2b3c4d5e6f',
      campaignName: '10 points per euro',
      effectType: 'award_units',
      walletType: exampleWalletType,
      amount: 460,
      rewardId: null,
      rewardName: null,
      issuedRewardId: null,
      customAttribute: null,
      transactionId: '01975a1b-2c3d-7e4f-8a5b-6c7d8e9f0a1b',
    },
  }),
  defineOpenLoyaltyEvent({
    name: 'PointsWillExpire',
    group: 'transactions_and_units',
    firesWhen: 'Sent X days before units expire; X comes from the expiring-notifications settings.',
    fields: {
      walletType,
      amount: integer('Units that will expire, in minor units', { minimum: 0 }),
      expiresAt: dateTime('When they expire'),
      daysBefore: integer('X: how many days before the expiry this notice is sent', { minimum: 0 }),
    },
    exampleFields: {
      walletType: exampleWalletType,
      amount: 300,
      expiresAt: '2025-06-17T07:09:01.696Z',
      daysBefore: 7,
    },
  }),
  defineOpenLoyaltyEvent({
    name: 'WalletBalanceUpdated',
    group: 'transactions_and_units',
    firesWhen: 'Sent on every wallet balance change for a member.',
    triggers: unitTriggers,
    fields: {
      walletType,
      amountChange,
      reason: unitChangeReason,
      transferId,
      activeUnits: integer('Units available to spend after the change, in minor units'),
      pendingUnits: integer('Units credited but still pending (not yet available), in minor units', { minimum: 0 }),
      blockedUnits: integer('Units blocked (reserved, not spendable), in minor units', { minimum: 0 }),
    },
    exampleFields: {
      walletType: exampleWalletType,
      amountChange: 460,
      reason: 'campaign',
      transferId: '01975a1c-0a1b-7c2d-8e3f-4a5b6c7d8e9f',
      activeUnits: 1710,
      pendingUnits: 0,
      blockedUnits: 0,
    },
  }),
] as const;
