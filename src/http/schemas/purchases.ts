import { Type } from 'typebox';
import { CustomerInput, PurchaseInput, PurchaseItemInput } from '../../domain/purchases/document.ts';
import { DateTime, PageQuery, Uuid } from './common.ts';

export { PurchaseInput };

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const PurchaseParams = Type.Object({ purchaseId: Uuid }, { additionalProperties: false });

export const PurchaseQuery = Type.Object(
  {
    ...PageQuery.properties,
    memberId: Type.Optional(Type.String({ format: 'uuid', description: "only this member's documents" })),
    documentType: Type.Optional(Type.Union([Type.Literal('sell'), Type.Literal('return')])),
    anonymous: Type.Optional(Type.Boolean({ description: 'true: only documents not matched to a member yet' })),
  },
  { additionalProperties: false },
);

export const AssignBody = Type.Object({ memberId: Uuid }, { additionalProperties: false });

export const EffectOutcome = Type.Object({
  type: Type.String(),
  status: Type.Union([Type.Literal('applied'), Type.Literal('failed')]),
  reason: Nullable(Type.String({ description: 'why a failed effect was not applied' })),
  balanceDefinitionId: Nullable(Uuid),
  amount: Nullable(Type.Integer({ description: 'units awarded or deducted, in minor units' })),
  ledgerTransactionId: Nullable(Uuid),
  customAttribute: Nullable(Type.Object({ key: Type.String(), value: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]) })),
  rewardId: Nullable(Uuid),
  issuedRewardId: Nullable(Type.String({ format: 'uuid', description: 'the voucher a grant_reward effect issued' })),
  eventId: Nullable(Type.String({ description: 'the CampaignEffectWasApplied event' })),
});

export const CampaignRun = Type.Object({
  campaignId: Uuid,
  campaignName: Type.Optional(Type.String()),
  runId: Uuid,
  effects: Type.Array(EffectOutcome),
});

export const Purchase = Type.Object({
  id: Uuid,
  documentNumber: Type.String(),
  documentType: Type.Union([Type.Literal('sell'), Type.Literal('return')]),
  returnedTransactionId: Nullable(Uuid),
  memberId: Nullable(Type.String({ format: 'uuid', description: 'null while the document is anonymous' })),
  matchedBy: Nullable(Type.String({ description: 'customerId, loyaltyCardNumber, phone, email or manual' })),
  purchasedAt: DateTime,
  place: Nullable(Type.String()),
  channel: Nullable(Type.String()),
  currency: Type.String(),
  grossTotal: Type.Integer(),
  customer: CustomerInput,
  items: Type.Array(Type.Object({
    ...PurchaseItemInput.properties,
    sku: Nullable(Type.String()), name: Nullable(Type.String()), quantity: Type.Integer(), category: Nullable(Type.String()),
    maker: Nullable(Type.String()), labels: Type.Array(Type.String()),
  })),
  customAttributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  takeBacks: Type.Array(Type.Object({
    creditTransactionId: Uuid,
    balanceDefinitionId: Uuid,
    due: Type.Integer({ description: "the award's share of the value returned" }),
    taken: Type.Integer({ description: 'units taken back' }),
    notTaken: Type.Integer({ description: 'units that could not be taken back (no longer in the balance)' }),
    debt: Type.Integer({ description: 'units taken beyond what the balance held, leaving it negative (definitions with allowNegativeBalance)' }),
    debitTransactionId: Nullable(Uuid),
  }), { description: 'for a return assigned to a member: what it took back from the units its sale earned' }),
  source: Type.String(),
  assignedAt: Nullable(DateTime),
  createdAt: DateTime,
  campaigns: Type.Optional(Type.Array(CampaignRun, { description: 'what the campaigns applied for this document' })),
});

export const ImportReport = Type.Object({
  rows: Type.Integer(),
  applied: Type.Integer(),
  skipped: Type.Array(Type.Object({ line: Type.Integer(), ref: Type.String(), reason: Type.String() })),
  errors: Type.Array(Type.Object({ line: Type.Integer(), field: Nullable(Type.String()), message: Type.String() })),
});
