import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

/**
 * Tier groups, tiers and members' tiers. As for balance definitions, the schema checks shapes
 * (400) and the service checks every rule on values (422 naming the field).
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Literals = <const T extends string[]>(values: [...T], description?: string) => Type.Enum(values, description ? { description } : {});

const Strategy = Type.Object(
  {
    kind: Literals(['realtime', 'membership_anniversary', 'tier_anniversary', 'fixed_date', 'none'],
      'realtime: on every completed balance change; membership_anniversary: yearly on the enrolment date; tier_anniversary: '
      + 'yearly on the date the current tier was attributed; fixed_date: every year on month/day at midnight (program time); '
      + 'none: never (downgrades only)'),
    month: Type.Optional(Type.Integer({ description: 'fixed_date: month 1 to 12' })),
    day: Type.Optional(Type.Integer({ description: 'fixed_date: day of the month; 29 February falls on the 28th in other years' })),
  },
  { additionalProperties: false },
);

const DowngradeReset = Type.Object(
  {
    balanceDefinitionId: Uuid,
    mode: Literals(['deductAll'], "deductAll: the balance's available units are deducted (ledger reason deduct, with its events)"),
  },
  { additionalProperties: false },
);

const Condition = Type.Object(
  {
    kind: Literals(['availableUnits', 'earnedUnits', 'totalSpend', 'monthsSinceJoining'],
      'availableUnits: available units of a balance; earnedUnits: units earned (credits not reversed) in total, or completed since `since`; '
      + 'totalSpend: purchases of the member (sells minus returns, by purchasedAt since `since`) in minor units; monthsSinceJoining: whole months since enrolment'),
    balanceDefinitionId: Type.Optional(Uuid),
    minimum: Type.Integer({ description: 'the least the measure must be (1 or more; monthsSinceJoining 0 to 1200)' }),
    since: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'earnedUnits, totalSpend: count from this time; null or absent: in total' }))),
  },
  { additionalProperties: false },
);

const groupFields = {
  name: Type.String({ description: '1 to 100 characters' }),
  upgradeStrategy: Type.Optional(Strategy),
  downgradeStrategy: Type.Optional(Strategy),
  downgradeResets: Type.Optional(Type.Array(DowngradeReset, { description: 'applied on every automatic downgrade in this group; up to 10' })),
  anniversaryReminderDaysBefore: Type.Optional(Nullable(Type.Integer({
    description: "days before a tier anniversary that tier_anniversary_reminder fires, 0 (none) to 365; null: the program's expiringNotifications.tiersDaysBefore" }))),
};

export const TierGroupCreate = Type.Object(groupFields, {
  additionalProperties: false,
  description: 'upgradeStrategy defaults to realtime, downgradeStrategy to none',
});
export const TierGroupUpdate = Type.Object({ ...groupFields, name: Type.Optional(groupFields.name) }, { additionalProperties: false });

const tierFields = {
  name: Type.String({ description: '1 to 100 characters' }),
  order: Type.Integer({ description: 'rank in the group, 0 to 1,000,000, unique; higher is better; the default tier is the lowest' }),
  isDefault: Type.Optional(Type.Boolean({
    description: "the group's entry tier, given at enrolment and the floor of the group; no conditions. A group's first tier is its default; "
      + 'making another tier the default moves the flag' })),
  conditions: Type.Optional(Type.Array(Condition, { description: 'up to 10 access conditions' })),
  conditionsMatch: Type.Optional(Literals(['all', 'any'], 'all (default): every condition must hold; any: one is enough')),
  rewardsOnEntry: Type.Optional(Type.Array(Uuid, {
    description: 'rewards granted as free vouchers on entering the tier upwards (or as the entry tier); each must exist (404)' })),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'flat key/value object (up to 50 keys; scalar values)' })),
};

export const TierCreate = Type.Object(tierFields, { additionalProperties: false });
export const TierUpdate = Type.Object({ ...tierFields, name: Type.Optional(tierFields.name), order: Type.Optional(tierFields.order) },
  { additionalProperties: false });

export const Tier = Type.Object({
  id: Uuid,
  groupId: Uuid,
  name: Type.String(),
  order: Type.Integer(),
  isDefault: Type.Boolean(),
  conditions: Type.Array(Condition),
  conditionsMatch: Literals(['all', 'any']),
  rewardsOnEntry: Type.Array(Uuid),
  metadata: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const TierGroup = Type.Object({
  id: Uuid,
  name: Type.String(),
  upgradeStrategy: Strategy,
  downgradeStrategy: Strategy,
  downgradeResets: Type.Array(DowngradeReset),
  anniversaryReminderDaysBefore: Nullable(Type.Integer()),
  tiers: Type.Array(Tier, { description: 'lowest first' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const MemberTier = Type.Object({
  groupId: Uuid,
  groupName: Type.String(),
  tierId: Uuid,
  tierName: Type.String(),
  order: Type.Integer(),
  manual: Type.Boolean({ description: 'assigned by an admin: kept by recalculations until the assignment is removed' }),
  attributedAt: DateTime,
  nextRecalculationAt: Nullable(DateTime),
});
export const MemberTiers = Type.Object({ data: Type.Array(MemberTier) });

export const TierAssign = Type.Object({ tierId: Uuid }, { additionalProperties: false });

export const Recalculation = Type.Object({
  id: Uuid,
  status: Literals(['running', 'completed']),
  total: Type.Integer({ description: 'members processed plus the enrolled members still ahead of the run, counted at its start and '
    + 'again after each batch (members enrol and leave during a run); equal to processed once completed' }),
  processed: Type.Integer({ description: 'members processed so far, never more than total' }),
  changed: Type.Integer({ description: 'members whose tier changed in at least one group' }),
  createdAt: DateTime,
  updatedAt: DateTime,
  completedAt: Nullable(DateTime),
});

export const GroupParams = Type.Object({ groupId: Uuid }, { additionalProperties: false });
export const TierParams = Type.Object({ groupId: Uuid, tierId: Uuid }, { additionalProperties: false });
export const MemberGroupParams = Type.Object({ memberId: Uuid, groupId: Uuid }, { additionalProperties: false });
export const RecalculationParams = Type.Object({ recalculationId: Uuid }, { additionalProperties: false });
