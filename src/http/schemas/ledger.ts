import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Amount = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'positive integer, in minor units of the balance definition' });
const Reason = Type.Union(['spend', 'add', 'deduct', 'campaign', 'import'].map((r) => Type.Literal(r)),
  { description: 'why the units move (carried by the events); default add for a credit, spend for a debit' });

const target = {
  memberId: Type.Optional(Uuid),
  loyaltySubscriptionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  balanceDefinitionId: Type.Optional(Type.String({ format: 'uuid', description: "default: the program's default definition" })),
};

export const TransactionCreate = Type.Object(
  {
    ...target,
    kind: Type.Union([Type.Literal('credit'), Type.Literal('debit')]),
    amount: Amount,
    reason: Type.Optional(Reason),
    autoComplete: Type.Optional(Type.Boolean({ description: 'complete at once; default false: the transaction waits, pending' })),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 86_400, description: 'a pending transaction not completed in time expires' })),
    availableAt: Type.Optional(Type.String({ format: 'date-time', description: 'a scheduled credit: units become available at this time' })),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
    externalRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'your reference; unique per program' })),
  },
  { additionalProperties: false },
);

export const Adjustment = Type.Object(
  {
    ...target,
    kind: Type.Union([Type.Literal('add'), Type.Literal('deduct')]),
    amount: Amount,
    comment: Type.String({ minLength: 1, maxLength: 1000, description: 'why the admin adjusts the balance' }),
  },
  { additionalProperties: false },
);

export const BlockCreate = Type.Object({ ...target, amount: Amount, comment: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });

export const TransferCreate = Type.Object(
  {
    fromMemberId: Uuid,
    toMemberId: Uuid,
    balanceDefinitionId: Type.Optional(Type.String({ format: 'uuid' })),
    amount: Amount,
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const ReverseBody = Type.Object({ comment: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });

export const LedgerTransaction = Type.Object({
  id: Uuid,
  balanceId: Uuid,
  kind: Type.Union([Type.Literal('credit'), Type.Literal('debit'), Type.Literal('block'), Type.Literal('unblock')]),
  reason: Type.String(),
  amount: Type.Integer(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('completed'), Type.Literal('cancelled'), Type.Literal('expired')]),
  availableAt: Nullable(DateTime),
  pendingExpiresAt: Nullable(DateTime),
  reversesId: Nullable(Uuid),
  transferId: Nullable(Uuid),
  blockId: Nullable(Uuid),
  comment: Nullable(Type.String()),
  externalRef: Nullable(Type.String()),
  createdAt: DateTime,
  completedAt: Nullable(DateTime),
});

export const Transfer = Type.Object({ transferId: Uuid, debit: LedgerTransaction, credit: LedgerTransaction });

export const Balance = Type.Object({
  id: Uuid,
  subscriptionId: Uuid,
  balanceDefinitionId: Uuid,
  balanceDefinition: Type.Optional(Type.Object({ id: Uuid, name: Type.String(), unit: Type.String(), decimals: Type.Integer() })),
  available: Type.Integer(),
  pending: Type.Integer(),
  blocked: Type.Integer(),
  spent: Type.Integer(),
  expired: Type.Integer(),
  earned: Type.Integer(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const Lot = Type.Object({
  id: Uuid,
  balanceId: Uuid,
  transactionId: Uuid,
  amount: Type.Integer(),
  remaining: Type.Integer(),
  blocked: Type.Integer(),
  expired: Type.Integer(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired'), Type.Literal('cancelled')]),
  availableFrom: DateTime,
  expiresAt: Nullable(DateTime),
  source: Type.String(),
  createdAt: DateTime,
});

export const TransactionParams = Type.Object({ transactionId: Uuid }, { additionalProperties: false });
export const BalanceParams = Type.Object({ balanceId: Uuid }, { additionalProperties: false });
export const LotParams = Type.Object({ lotId: Uuid }, { additionalProperties: false });

export const TransactionQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('completed'), Type.Literal('cancelled'), Type.Literal('expired')])),
    kind: Type.Optional(Type.Union([Type.Literal('credit'), Type.Literal('debit'), Type.Literal('block'), Type.Literal('unblock')])),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

export const LotQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired'), Type.Literal('cancelled')])),
    expiresBefore: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

export const LedgerCheck = Type.Object({
  consistent: Type.Boolean(),
  differences: Type.Array(Type.Object({ balanceId: Uuid, figure: Type.String(), stored: Type.Integer(), fromLots: Type.Integer() })),
});
