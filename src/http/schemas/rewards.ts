import { Type } from 'typebox';
import { DateTime, PageQuery, Uuid } from './common.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Literals = <const T extends string[]>(values: [...T], description?: string) => Type.Enum(values, description ? { description } : {});
const Minor = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `${description}, in minor units` });
const Count = (description: string) => Type.Integer({ minimum: 1, maximum: 2_147_483_647, description });

const RewardType = Literals(['material', 'static_coupon', 'dynamic_coupon', 'conversion_coupon'],
  'material: a thing handed over; static_coupon: a coupon of a fixed value (couponValue); dynamic_coupon: its value is set when it is redeemed; conversion_coupon: the member converts units into a coupon (value by the conversion rate)');

const Targeting = Type.Union([
  Type.Object({ kind: Type.Literal('everyone') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('tiers'), tierIds: Type.Array(Uuid, { minItems: 1, maxItems: 100 }) },
    { additionalProperties: false, description: 'members holding one of these tiers (in any group); each must exist (404)' }),
  Type.Object({
    kind: Type.Literal('attribute'),
    attribute: Type.String({ minLength: 1, maxLength: 100 }),
    value: Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]),
  }, { additionalProperties: false, description: 'members whose custom attribute has exactly this value' }),
], { description: 'who may get the reward; default everyone' });

const Limits = Type.Object({
  total: Type.Optional(Nullable(Count('vouchers issued in all (cancelled ones do not count)'))),
  perMember: Type.Optional(Nullable(Count('vouchers one member may hold'))),
  perPeriod: Type.Optional(Nullable(Type.Object({
    count: Count('vouchers one member may get per calendar period (program timezone)'),
    period: Literals(['day', 'week', 'month', 'year']),
  }, { additionalProperties: false }))),
}, { additionalProperties: false, description: 'null removes a limit' });

const Validity = Type.Union([
  Type.Object({ days: Type.Integer({ minimum: 1, maximum: 36_500, description: 'calendar days after issue (program timezone)' }) }, { additionalProperties: false }),
  Type.Object({ until: Type.String({ format: 'date-time', description: 'every voucher expires at this moment' }) }, { additionalProperties: false }),
], { description: 'how long a voucher is usable; null: it never expires' });

const Conversion = Type.Object({
  units: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'this many units (minor units of the balance definition)…' }),
  value: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: '…give this much coupon value (minor units of valueUnit)' }),
}, { additionalProperties: false, description: 'conversion_coupon only: the rate; the member converts a multiple of `units`' });

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200, description: 'internal name (events carry it as the reward / offer name)' }),
  publicName: Nullable(Type.String({ maxLength: 200, description: 'name shown to members' })),
  description: Nullable(Type.String({ maxLength: 5000, description: 'public description' })),
  imageUrl: Nullable(Type.String({ maxLength: 2000, description: 'public image URL' })),
  type: RewardType,
  couponValue: Nullable(Minor('static_coupon only: the coupon value')),
  valueUnit: Nullable(Type.String({ minLength: 1, maxLength: 20, description: 'unit of the coupon value, e.g. "EUR" (coupons only)' })),
  conversion: Nullable(Conversion),
  cost: Minor('units of the balance definition a purchase costs; 0 (default): free'),
  balanceDefinitionId: Nullable(Type.String({ format: 'uuid', description: "the definition the cost is paid in; default: the program's default when there is a cost" })),
  availableFrom: Nullable(Type.String({ format: 'date-time', description: 'issued from this moment on' })),
  availableUntil: Nullable(Type.String({ format: 'date-time', description: 'issued until this moment (excluded)' })),
  visible: Type.Boolean({ description: "shown in (and buyable from) the member catalog; default true" }),
  active: Type.Boolean({ description: 'false: never issued, not in the catalog; default true' }),
  targeting: Targeting,
  limits: Limits,
  codeSource: Literals(['pattern', 'pool'], 'pattern (default): each voucher gets a code generated from codePattern; pool: codes are taken from uploaded codes, oldest first'),
  codePattern: Nullable(Type.String({ minLength: 1, maxLength: 64, description: '# a digit, A a letter, anything else as is; default AAAA-####-AAAA' })),
  validity: Nullable(Validity),
  activationDelayDays: Type.Integer({ minimum: 0, maximum: 3650, description: 'days after issue before the voucher becomes usable (it is pending until then); default 0' }),
};

export const RewardCreate = Type.Object({
  name: fields.name,
  type: fields.type,
  publicName: Type.Optional(fields.publicName),
  description: Type.Optional(fields.description),
  imageUrl: Type.Optional(fields.imageUrl),
  couponValue: Type.Optional(fields.couponValue),
  valueUnit: Type.Optional(fields.valueUnit),
  conversion: Type.Optional(fields.conversion),
  cost: Type.Optional(fields.cost),
  balanceDefinitionId: Type.Optional(fields.balanceDefinitionId),
  availableFrom: Type.Optional(fields.availableFrom),
  availableUntil: Type.Optional(fields.availableUntil),
  visible: Type.Optional(fields.visible),
  active: Type.Optional(fields.active),
  targeting: Type.Optional(fields.targeting),
  limits: Type.Optional(fields.limits),
  codeSource: Type.Optional(fields.codeSource),
  codePattern: Type.Optional(fields.codePattern),
  validity: Type.Optional(fields.validity),
  activationDelayDays: Type.Optional(fields.activationDelayDays),
}, { additionalProperties: false });

export const RewardUpdate = Type.Partial(Type.Object(fields, { additionalProperties: false }), { additionalProperties: false });

/** What the member catalog and the admin view both show of a reward. */
const offered = {
  description: Nullable(Type.String()),
  imageUrl: Nullable(Type.String()),
  type: RewardType,
  couponValue: Nullable(Type.Integer()),
  valueUnit: Nullable(Type.String()),
  conversion: Nullable(Type.Object({ units: Type.Integer(), value: Type.Integer() })),
  cost: Type.Integer(),
  balanceDefinitionId: Nullable(Uuid),
  availableUntil: Nullable(DateTime),
};

export const Reward = Type.Object({
  id: Uuid,
  name: Type.String(),
  publicName: Nullable(Type.String()),
  ...offered,
  availableFrom: Nullable(DateTime),
  visible: Type.Boolean(),
  active: Type.Boolean(),
  targeting: Targeting,
  limits: Type.Object({
    total: Nullable(Type.Integer()),
    perMember: Nullable(Type.Integer()),
    perPeriod: Nullable(Type.Object({ count: Type.Integer(), period: Type.String() })),
  }),
  codeSource: Type.String(),
  codePattern: Nullable(Type.String()),
  validity: Nullable(Type.Union([Type.Object({ days: Type.Integer() }), Type.Object({ until: DateTime })])),
  activationDelayDays: Type.Integer(),
  issued: Type.Integer({ description: 'vouchers issued and not cancelled' }),
  codes: Type.Optional(Type.Object({ total: Type.Integer(), free: Type.Integer() }, { description: 'codes of the reward: uploaded or generated, and those not handed out yet' })),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const CatalogReward = Type.Object({
  id: Uuid,
  name: Type.String({ description: 'the public name (or the name when there is none)' }),
  ...offered,
});

export const RewardParams = Type.Object({ rewardId: Uuid }, { additionalProperties: false });
export const VoucherParams = Type.Object({ voucherId: Uuid }, { additionalProperties: false });

export const RewardQuery = Type.Object({
  ...PageQuery.properties,
  active: Type.Optional(Type.Boolean()),
  visible: Type.Optional(Type.Boolean()),
  type: Type.Optional(RewardType),
}, { additionalProperties: false });

const VoucherStatus = Literals(['pending', 'active', 'redeemed', 'expired', 'revoked', 'cancelled']);

export const VoucherQuery = Type.Object({
  ...PageQuery.properties,
  memberId: Type.Optional(Uuid),
  rewardId: Type.Optional(Uuid),
  status: Type.Optional(VoucherStatus),
}, { additionalProperties: false });

export const OwnVoucherQuery = Type.Object({ ...PageQuery.properties, status: Type.Optional(VoucherStatus) }, { additionalProperties: false });

const Units = Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER,
  description: 'conversion_coupon only: how many units to convert (a multiple of the conversion units)' }));

export const PurchaseBody = Type.Object({ memberId: Uuid, units: Units }, { additionalProperties: false });
export const OwnPurchaseBody = Type.Object({ units: Units }, { additionalProperties: false });
export const AssignBody = Type.Object({ memberId: Uuid }, { additionalProperties: false });
export const CommentBody = Type.Object({ comment: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });

const target = {
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the voucher code (or give voucherId)' })),
  voucherId: Type.Optional(Uuid),
  memberId: Type.Optional(Type.String({ format: 'uuid', description: 'the member presenting the voucher: refused when it is not theirs' })),
};

export const ValidateBody = Type.Object(target, { additionalProperties: false });
export const RedeemBody = Type.Object({
  ...target,
  value: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'dynamic_coupon only (and required there): the value, in minor units' })),
  autoComplete: Type.Optional(Type.Boolean({ description: 'complete at once; default false: the redemption waits, pending, until completed or cancelled' })),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 86_400, description: 'a pending redemption not completed in time ends (voucher_redeem_unauthorized) and the voucher can be redeemed again' })),
}, { additionalProperties: false });

export const Voucher = Type.Object({
  id: Uuid,
  rewardId: Uuid,
  rewardName: Type.Optional(Type.String()),
  rewardType: Type.Optional(RewardType),
  memberId: Uuid,
  code: Type.String(),
  status: VoucherStatus,
  source: Literals(['purchase', 'admin', 'campaign', 'tier']),
  sourceEventId: Nullable(Type.String()),
  campaignId: Nullable(Uuid),
  cost: Type.Integer({ description: 'units paid (0 when not bought)' }),
  balanceDefinitionId: Nullable(Uuid),
  ledgerTransactionId: Nullable(Uuid),
  value: Nullable(Type.Integer({ description: 'coupon value in minor units (static or conversion coupon)' })),
  validFrom: DateTime,
  expiresAt: Nullable(DateTime),
  redemption: Nullable(Type.Object({
    status: Literals(['pending', 'completed', 'cancelled']),
    value: Nullable(Type.Integer()),
    startedAt: Nullable(DateTime),
    completedAt: Nullable(DateTime),
  })),
  comment: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const Validation = Type.Object({
  valid: Type.Boolean(),
  reason: Nullable(Type.String({ description: 'why it cannot be redeemed now (the reason a redemption would carry)' })),
  code: Nullable(Type.String({ description: 'the problem code a redemption would answer' })),
  voucher: Voucher,
});

export const CodeImport = Type.Object({
  received: Type.Integer(),
  added: Type.Integer(),
  skipped: Type.Integer({ description: 'codes the program already had (or repeated in the upload)' }),
  codes: Type.Object({ total: Type.Integer(), free: Type.Integer() }),
});
