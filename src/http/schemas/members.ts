import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

const AttributeValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]);
const Attributes = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), AttributeValue, { maxProperties: 100 });
const Email = Type.String({ format: 'email', maxLength: 320 });
const Phone = Type.String({ minLength: 5, maxLength: 32, description: 'international number with its country code, e.g. +33 6 12 34 56 78; stored in E.164' });
const CardId = Type.String({ minLength: 1, maxLength: 64, description: 'loyalty card number (case-sensitive)' });
const Name = Type.String({ maxLength: 200 });
const BirthDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Password = Type.String({ minLength: 1, maxLength: 200, description: 'at least 8 characters, letters with digits or symbols' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const MemberRegister = Type.Object(
  {
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
    cardId: Type.Optional(CardId),
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    birthDate: Type.Optional(BirthDate),
    customAttributes: Type.Optional(Attributes),
    password: Type.Optional(Password),
    enrol: Type.Optional(Type.Boolean({ description: 'default true; false registers the member without a subscription of their own, e.g. to add them to a household' })),
    activation: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('code')], {
      description: 'none (default): active at once and enrolled; code: `new` until activated with the code sent to them' })),
    activationChannel: Type.Optional(Type.Union([Type.Literal('email'), Type.Literal('sms')])),
    loyaltySubscriptionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'given by the business, or generated' })),
    subscriptionCreatedAt: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

export const MemberUpdate = Type.Object(
  {
    email: Type.Optional(Nullable(Email)),
    phone: Type.Optional(Nullable(Phone)),
    cardId: Type.Optional(Nullable(CardId)),
    firstName: Type.Optional(Nullable(Name)),
    lastName: Type.Optional(Nullable(Name)),
    birthDate: Type.Optional(Nullable(BirthDate)),
    customAttributes: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), AttributeValue,
      { maxProperties: 100, description: 'merged into the current attributes; null removes one' })),
  },
  { additionalProperties: false },
);

export const OwnContactUpdate = Type.Object(
  { email: Type.Optional(Email), phone: Type.Optional(Phone) },
  { additionalProperties: false, minProperties: 1 },
);

export const Member = Type.Object({
  id: Uuid,
  contactId: Type.Integer({ description: 'numeric id carried by webhooks as contact_id / member_id' }),
  status: Type.Union([Type.Literal('new'), Type.Literal('active'), Type.Literal('inactive'), Type.Literal('anonymised')]),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  cardId: Nullable(Type.String()),
  firstName: Nullable(Type.String()),
  lastName: Nullable(Type.String()),
  birthDate: Nullable(Type.String()),
  customAttributes: Type.Record(Type.String(), AttributeValue),
  hasPassword: Type.Boolean(),
  subscription: Nullable(Type.Object({
    id: Uuid,
    loyaltySubscriptionId: Type.String(),
    status: Type.String(),
    role: Type.Union([Type.Literal('owner'), Type.Literal('member')]),
    createdAt: DateTime,
  })),
  activatedAt: Nullable(DateTime),
  deactivatedAt: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const MemberParams = Type.Object({ memberId: Uuid }, { additionalProperties: false });

export const MemberQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    phone: Type.Optional(Phone),
    cardId: Type.Optional(CardId),
    contactId: Type.Optional(Type.Integer({ minimum: 1 })),
    loyaltySubscriptionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    status: Type.Optional(Type.Union([Type.Literal('new'), Type.Literal('active'), Type.Literal('inactive'), Type.Literal('anonymised')])),
    search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'prefix of first name, last name or e-mail' })),
  },
  { additionalProperties: false },
);

export const ActivationBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 20 }),
    loyaltySubscriptionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'of the subscription made at activation; generated when absent' })),
    subscriptionCreatedAt: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export const ActivationCodeRequest = Type.Object(
  { channel: Type.Optional(Type.Union([Type.Literal('email'), Type.Literal('sms')])) },
  { additionalProperties: false },
);
export const ActivationCodeSent = Type.Object({ expiresAt: DateTime });

export const EnrolBody = Type.Object(
  { loyaltySubscriptionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), createdAt: Type.Optional(DateTime) },
  { additionalProperties: false },
);

export const ResetRequest = Type.Object(
  { identifier: Type.String({ minLength: 1, maxLength: 320, description: 'e-mail, phone or card number' }) },
  { additionalProperties: false },
);
export const ResetBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), password: Password },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { identifier: Type.String({ minLength: 1, maxLength: 320, description: 'e-mail, phone or card number' }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const Session = Type.Object({
  token: Type.String({ description: 'send as Authorization: Bearer on /v1/me routes' }),
  expiresAt: DateTime,
  memberId: Uuid,
});

export const SubscriptionParams = Type.Object(
  { loyaltySubscriptionId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export const SubscriptionMemberParams = Type.Object(
  { loyaltySubscriptionId: Type.String({ minLength: 1, maxLength: 64 }), memberId: Uuid },
  { additionalProperties: false },
);
export const AddMembersBody = Type.Object(
  { memberIds: Type.Array(Uuid, { minItems: 1, maxItems: 50, uniqueItems: true }) },
  { additionalProperties: false },
);
export const Subscription = Type.Object({
  id: Uuid,
  loyaltySubscriptionId: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
  owner: Type.Object({ memberId: Uuid, contactId: Type.Integer() }),
  members: Type.Array(Type.Object({ memberId: Uuid, contactId: Type.Integer(), addedAt: DateTime })),
  createdAt: DateTime,
  revokedAt: Nullable(DateTime),
});
