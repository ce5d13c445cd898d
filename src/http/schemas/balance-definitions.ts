import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

/**
 * The schema checks shapes (types, enumerations, known fields) and answers 400; the service
 * checks every rule on values (ranges, ISO codes, min < max) and answers 422 naming the field.
 * Ranges are therefore stated in descriptions rather than as schema bounds.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Amount = (description: string) => Type.Integer({ description: `${description}, in minor units` });
/** An enum rather than a union of literals: one clear error ("must be equal to one of the allowed values"). */
const Literals = <const T extends string[]>(values: [...T], description?: string) => Type.Enum(values, description ? { description } : {});

const Period = Literals(['day', 'week', 'month', 'year']);

const Rounding = Type.Object(
  {
    mode: Literals(['none', 'down', 'up', 'nearest']),
    step: Type.Optional(Type.Integer({ description: 'round to a multiple of this many minor units (1 or more); required unless mode is none, absent when it is' })),
  },
  { additionalProperties: false, description: 'how requested amounts are rounded before they apply' },
);

const Expiry = Type.Object(
  {
    kind: Literals(['none', 'duration', 'fixed_date']),
    amount: Type.Optional(Type.Integer({ description: 'duration: how many units (1 to 100 years worth)' })),
    unit: Type.Optional(Period),
    alignment: Type.Optional(Literals(['none', 'start_of_period', 'end_of_period'],
      'duration: move the end to the start of its day/week/month/year, or to the end of it; default none')),
    month: Type.Optional(Type.Integer({ description: 'fixed_date: month 1 to 12' })),
    day: Type.Optional(Type.Integer({ description: 'fixed_date: day of the month; 29 February falls on the 28th in other years' })),
  },
  { additionalProperties: false, description: 'when credited lots expire: never, a duration after they become available, or every year on a date (program time)' },
);

const VelocityLimit = Type.Object(
  {
    direction: Literals(['credit', 'debit']),
    measure: Literals(['count', 'amount']),
    limit: Type.Integer({ description: 'most transactions (count) or minor units (amount) allowed in the window; 1 or more' }),
    period: Literals(['hour', 'day', 'week', 'month', 'year']),
    window: Literals(['sliding', 'calendar'], 'sliding: the last period up to now; calendar: since the current period began (program time)'),
  },
  { additionalProperties: false },
);

const fields = {
  name: Type.String({ description: '1 to 100 characters' }),
  unit: Type.String({ description: '"points" (default) or an ISO 4217 currency code in capitals, e.g. "EUR"' }),
  decimals: Type.Integer({ description: 'minor-unit digits, 0 to 6; default 0 for points, the currency\'s own (EUR 2, JPY 0) otherwise' }),
  metadata: Type.Record(Type.String(), Type.Unknown(), {
    description: 'flat key/value object (up to 50 keys; values string, number, boolean or null), sent as balance_definition.metadata' }),
  minimum: Nullable(Amount('reaching or passing it fires balance_minimum_value_reached; 0 or more, below maximum')),
  maximum: Nullable(Amount('the most a balance may hold (available, pending and blocked); 1 or more')),
  maximumStrategy: Literals(['strict', 'partial'], 'strict (default): refuse a credit that would pass the maximum; partial: credit what fits'),
  creditCap: Nullable(Amount('largest single credit; 1 or more')),
  debitCap: Nullable(Amount('largest single debit; 1 or more')),
  creditRounding: Rounding,
  debitRounding: Rounding,
  expiry: Expiry,
  pendingDays: Type.Integer({ description: 'days credited units stay pending before they are available, 0 to 365; default 0' }),
  velocityLimits: Type.Array(VelocityLimit, { description: 'up to 20, no two on the same direction, measure, period and window' }),
  reminderDaysBefore: Nullable(Type.Integer({
    description: 'days before a lot expires that reminders fire, 0 to 365; null: the program\'s expiringNotifications.unitsDaysBefore' })),
  allowNegativeBalance: Type.Boolean({
    description: 'true: a purchase return may take back more units than the balance holds, leaving it negative; default false: it takes what remains' }),
};

const optionalFields = {
  name: Type.Optional(fields.name),
  unit: Type.Optional(fields.unit),
  decimals: Type.Optional(fields.decimals),
  metadata: Type.Optional(fields.metadata),
  minimum: Type.Optional(fields.minimum),
  maximum: Type.Optional(fields.maximum),
  maximumStrategy: Type.Optional(fields.maximumStrategy),
  creditCap: Type.Optional(fields.creditCap),
  debitCap: Type.Optional(fields.debitCap),
  creditRounding: Type.Optional(fields.creditRounding),
  debitRounding: Type.Optional(fields.debitRounding),
  expiry: Type.Optional(fields.expiry),
  pendingDays: Type.Optional(fields.pendingDays),
  velocityLimits: Type.Optional(fields.velocityLimits),
  reminderDaysBefore: Type.Optional(fields.reminderDaysBefore),
  allowNegativeBalance: Type.Optional(fields.allowNegativeBalance),
};

export const DefinitionCreate = Type.Object(
  {
    ...optionalFields,
    name: fields.name,
    isDefault: Type.Optional(Type.Boolean({ description: 'true makes it the default at once; a program\'s first definition is the default anyway' })),
  },
  { additionalProperties: false },
);

export const DefinitionUpdate = Type.Object(optionalFields, {
  additionalProperties: false,
  description: 'what is given changes; null clears a limit. unit and decimals cannot change once a balance uses the definition',
});

export const BalanceDefinition = Type.Object({
  id: Uuid,
  name: Type.String(),
  unit: Type.String(),
  decimals: Type.Integer(),
  metadata: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  minimum: Nullable(Type.Integer()),
  maximum: Nullable(Type.Integer()),
  maximumStrategy: Literals(['strict', 'partial']),
  creditCap: Nullable(Type.Integer()),
  debitCap: Nullable(Type.Integer()),
  creditRounding: Rounding,
  debitRounding: Rounding,
  expiry: Expiry,
  pendingDays: Type.Integer(),
  velocityLimits: Type.Array(VelocityLimit),
  reminderDaysBefore: Nullable(Type.Integer()),
  allowNegativeBalance: Type.Boolean(),
  isDefault: Type.Boolean({ description: 'the definition used when a transaction names none; exactly one per program' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const DefinitionParams = Type.Object({ definitionId: Uuid }, { additionalProperties: false });
