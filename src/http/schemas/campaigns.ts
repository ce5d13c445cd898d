import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Kind = <K extends string>(kind: K) => Type.Literal(kind);
const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]);
const Units = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'units, in minor units of the balance definition' });
const DefinitionId = Type.Optional(Type.String({ format: 'uuid', description: "default: the program's default balance definition" }));

export const CampaignParams = Type.Object({ campaignId: Uuid }, { additionalProperties: false });

const Trigger = Type.Union([
  Type.Object({ kind: Kind('purchase') }, { additionalProperties: false, description: 'a sale registered or assigned to a member' }),
  Type.Object({ kind: Kind('registration') }, { additionalProperties: false, description: 'a member registered and enrolled (or activated)' }),
  Type.Object({ kind: Kind('custom_event'), eventType: Type.String({ minLength: 1, maxLength: 100 }) },
    { additionalProperties: false, description: 'a custom event of this type sent by the business' }),
  Type.Object({ kind: Kind('tier_change') }, { additionalProperties: false, description: "a member's tier changed (entry tier at enrolment included); not run for a change a tier_change campaign's own effects caused" }),
], { description: 'what makes the campaign run' });

const Target = Type.Union([
  Type.Object({ kind: Kind('all') }, { additionalProperties: false }),
  Type.Object({ kind: Kind('tier'), tierIds: Type.Array(Uuid, { minItems: 1, maxItems: 100 }) },
    { additionalProperties: false, description: 'members holding one of these tiers (in any group)' }),
  Type.Object({ kind: Kind('custom_attribute'), name: Type.String({ minLength: 1, maxLength: 100 }), value: Type.Optional(Scalar) },
    { additionalProperties: false, description: 'members having this custom attribute (with this value, if given)' }),
], { description: 'who the campaign is for; default all members' });

const Effect = Type.Union([
  Type.Object({
    type: Kind('award_units'),
    balanceDefinitionId: DefinitionId,
    units: Units,
    perSpent: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER,
      description: '`units` per this many minor units of the document value (e.g. 100: per euro); without it, `units` is a fixed award' })),
    multipliers: Type.Optional(Type.Array(Type.Object({
      sku: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      factor: Type.Integer({ minimum: 1, maximum: 100, description: 'the matching item value counts this many times' }),
    }, { additionalProperties: false }), { maxItems: 100 })),
  }, { additionalProperties: false }),
  Type.Object({ type: Kind('deduct_units'), balanceDefinitionId: DefinitionId, units: Units }, { additionalProperties: false }),
  Type.Object({ type: Kind('grant_reward'), rewardId: Uuid }, { additionalProperties: false, description: 'issues the reward as a free voucher (acquisition campaign); when it cannot be issued the effect is recorded as failed' }),
  Type.Object({ type: Kind('set_custom_attribute'), name: Type.String({ minLength: 1, maxLength: 100 }), value: Scalar }, { additionalProperties: false }),
]);

const Limit = Type.Object({
  count: Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'how many times the campaign may apply' }),
  period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month'), Type.Literal('year'), Type.Literal('ever')], { description: 'per calendar period (program time), or ever' }),
}, { additionalProperties: false });

export const CampaignInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  active: Type.Optional(Type.Boolean({ description: 'default true' })),
  startsAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  endsAt: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'exclusive' }))),
  position: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, description: 'campaigns run by position, then by creation; default 0' })),
  target: Type.Optional(Target),
  trigger: Trigger,
  condition: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'an expression (see the README); null or absent: always' }))),
  effects: Type.Array(Effect, { minItems: 1, maxItems: 20 }),
  limits: Type.Optional(Type.Object({ perMember: Type.Optional(Limit), total: Type.Optional(Limit) }, { additionalProperties: false })),
  stopFurther: Type.Optional(Type.Boolean({ description: 'when this campaign applies, later campaigns do not run for the trigger' })),
}, { additionalProperties: false });

export const Campaign = Type.Object({
  id: Uuid,
  name: Type.String(),
  active: Type.Boolean(),
  startsAt: Nullable(DateTime),
  endsAt: Nullable(DateTime),
  position: Type.Integer(),
  target: Target,
  trigger: Trigger,
  condition: Nullable(Type.String()),
  effects: Type.Array(Effect),
  limits: Type.Object({ perMember: Type.Optional(Limit), total: Type.Optional(Limit) }),
  stopFurther: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const Simulation = Type.Object({
  memberId: Nullable(Uuid),
  matchedBy: Nullable(Type.String()),
  campaigns: Type.Array(Type.Object({
    campaignId: Uuid,
    campaignName: Type.String(),
    stopFurther: Type.Boolean(),
    effects: Type.Array(Type.Object({
      type: Type.String(),
      balanceDefinitionId: Nullable(Uuid),
      amount: Nullable(Type.Integer()),
      customAttribute: Nullable(Type.Object({ key: Type.String(), value: Scalar })),
      rewardId: Nullable(Uuid),
      reason: Nullable(Type.String({ description: 'why the effect would fail, when that is known before applying it (e.g. an award too large for a balance)' })),
    })),
  })),
});

export const CustomEventBody = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 100, description: 'campaigns with a custom_event trigger of this type run' }),
  body: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'free JSON; conditions read it as event.body' })),
}, { additionalProperties: false });
