import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

const DaysBefore = Type.Integer({ minimum: 0, maximum: 365 });

const ExpiringNotificationsPatch = Type.Object(
  {
    unitsDaysBefore: Type.Optional(DaysBefore),
    couponsDaysBefore: Type.Optional(DaysBefore),
    tiersDaysBefore: Type.Optional(DaysBefore),
  },
  { additionalProperties: false, description: 'days before units, coupons and tiers expire that reminders fire' },
);

const Identifier = Type.Union([Type.Literal('email'), Type.Literal('phone'), Type.Literal('cardId')]);
const IdentifierRulePatch = Type.Object(
  { required: Type.Optional(Type.Boolean()), unique: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

const MembersPatch = Type.Object(
  {
    identifiers: Type.Optional(Type.Object(
      { email: Type.Optional(IdentifierRulePatch), phone: Type.Optional(IdentifierRulePatch), cardId: Type.Optional(IdentifierRulePatch) },
      { additionalProperties: false, description: 'which identifiers a member must have, and which must be unique in the program' },
    )),
    matchingPriority: Type.Optional(Type.Array(Identifier, { minItems: 1, maxItems: 3,
      description: 'order in which purchase transactions look for their member' })),
    cardIdPattern: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()],
      { description: 'card numbers generated for members without one: # a digit, A a letter, anything else as is; null: none' })),
    activationCodeTtlMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 43_200 })),
    activationMaxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    passwordResetTtlMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080 })),
    anniversaryReminderDaysBefore: Type.Optional(Type.Integer({ minimum: 0, maximum: 300 })),
  },
  { additionalProperties: false },
);

const SettingsPatch = Type.Object(
  { expiringNotifications: Type.Optional(ExpiringNotificationsPatch), members: Type.Optional(MembersPatch) },
  { additionalProperties: false },
);

const IdentifierRule = Type.Object({ required: Type.Boolean(), unique: Type.Boolean() });

export const ProgramCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; default UTC' })),
    settings: Type.Optional(SettingsPatch),
  },
  { additionalProperties: false },
);

export const ProgramUpdate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    settings: Type.Optional(SettingsPatch),
  },
  { additionalProperties: false },
);

export const Program = Type.Object({
  id: Uuid,
  name: Type.String(),
  timezone: Type.String(),
  settings: Type.Object({
    expiringNotifications: Type.Object({
      unitsDaysBefore: Type.Integer(),
      couponsDaysBefore: Type.Integer(),
      tiersDaysBefore: Type.Integer(),
    }),
    members: Type.Object({
      identifiers: Type.Object({ email: IdentifierRule, phone: IdentifierRule, cardId: IdentifierRule }),
      matchingPriority: Type.Array(Type.String()),
      cardIdPattern: Type.Union([Type.String(), Type.Null()]),
      activationCodeTtlMinutes: Type.Integer(),
      activationMaxAttempts: Type.Integer(),
      passwordResetTtlMinutes: Type.Integer(),
      anniversaryReminderDaysBefore: Type.Integer(),
    }),
  }),
  clock: Type.Object(
    { now: DateTime, offsetMs: Type.Integer() },
    { description: "the program's clock: instance time plus the sandbox offset" },
  ),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const ApiKey = Type.Object({
  id: Uuid,
  programId: Type.Union([Uuid, Type.Null()], { description: 'null for an admin key' }),
  name: Type.String(),
  prefix: Type.String({ description: 'first characters of the key, to recognise it' }),
  createdAt: DateTime,
  revokedAt: Type.Union([DateTime, Type.Null()]),
});

export const ApiKeyCreated = Type.Intersect([
  ApiKey,
  Type.Object({ key: Type.String({ description: 'the key itself: shown only in this answer' }) }),
]);

export const KeyCreate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const ClockAdvance = Type.Object(
  {
    by: Type.Optional(Type.String({ description: 'ISO 8601 duration, e.g. PT1H, P1D, P1M' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'a date-time in the future of the program clock' })),
  },
  { additionalProperties: false },
);

export const ClockAdvanced = Type.Object({
  from: DateTime,
  target: DateTime,
  jobsRun: Type.Integer(),
  reachedTarget: Type.Boolean(),
  failedJob: Type.Union([
    Type.Object({ jobId: Uuid, kind: Type.String(), runAt: DateTime, error: Type.String() }),
    Type.Null(),
  ]),
  program: Program,
});
