import type { BalanceDefinition, Expiry, PeriodUnit, Rounding, VelocityLimit } from './definition.ts';
import { Problem, pointerSegment, type FieldIssue } from '../problem.ts';

/**
 * The rules of a balance definition's values: ranges, ISO codes, coherent bounds. Pure: the
 * service applies an input to a definition with `applyDefinitionInput` and stores the result.
 * Shapes (types, enumerations, known fields) are the HTTP schema's business; every rule on
 * values is here, so the CLI and imports get the same 422 answers.
 */

export interface RoundingInput {
  mode: Rounding['mode'];
  step?: number;
}

/** One flat shape for all kinds, so a missing or misplaced field is named precisely. */
export interface ExpiryInput {
  kind: Expiry['kind'];
  amount?: number;
  unit?: PeriodUnit;
  alignment?: 'none' | 'start_of_period' | 'end_of_period';
  month?: number;
  day?: number;
}

export interface DefinitionInput {
  name?: string;
  unit?: string;
  decimals?: number;
  metadata?: Record<string, unknown>;
  minimum?: number | null;
  maximum?: number | null;
  maximumStrategy?: 'strict' | 'partial';
  creditCap?: number | null;
  debitCap?: number | null;
  creditRounding?: RoundingInput;
  debitRounding?: RoundingInput;
  expiry?: ExpiryInput;
  pendingDays?: number;
  velocityLimits?: VelocityLimit[];
  reminderDaysBefore?: number | null;
  allowNegativeBalance?: boolean;
}

export interface DefinitionCreate extends DefinitionInput {
  name: string;
  /** true makes it the program's default; a program's first definition is the default regardless. */
  isDefault?: boolean;
}

const maxAmount = Number.MAX_SAFE_INTEGER;
const maxMetadataKeys = 50;
const maxVelocityLimits = 20;
/** Longest expiry duration per unit: 100 years, beyond which date arithmetic stops meaning much. */
const maxDuration: Record<PeriodUnit, number> = { day: 36_500, week: 5_200, month: 1_200, year: 100 };
/** Days per month in a leap year: 29 February is a valid yearly date (clamped to the 28th in other years). */
export const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const pointsUnit = 'points';
/** ISO 4217 codes as the runtime's ICU knows them (current currencies, no test or fund codes). */
const currencies = new Set(Intl.supportedValuesOf('currency'));

/** A currency's usual minor units (EUR 2, JPY 0, KWD 3): the default decimals of a cashback definition. */
const currencyDecimals = (code: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;

export const isWhole = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

/** Collects every issue of a request, so one answer names all its faults. */
export class Issues {
  readonly list: FieldIssue[] = [];
  add(field: string, message: string) {
    this.list.push({ field, message });
  }
  whole(value: unknown, field: string, min: number, max: number, what = 'a whole number') {
    if (isWhole(value, min, max)) return true;
    this.add(field, `must be ${what} from ${min} to ${max}`);
    return false;
  }
  /** Amounts are minor units in a bigint column, read back as exact JavaScript numbers. */
  amount(value: unknown, field: string, min: number) {
    return this.whole(value, field, min, maxAmount, 'a whole number of minor units');
  }
  throwIfAny() {
    if (this.list.length === 0) return;
    throw new Problem(422, 'invalid-input', 'Invalid input', this.list.map((i) => `${i.field}: ${i.message}`).join('; '), this.list);
  }
}

export function checkName(name: unknown, issues: Issues): string | undefined {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed.length >= 1 && trimmed.length <= 100) return trimmed;
  issues.add('/name', 'must be 1 to 100 characters (not counting surrounding spaces)');
  return undefined;
}

function checkUnit(unit: string, issues: Issues): boolean {
  if (unit === pointsUnit || currencies.has(unit)) return true;
  const upper = unit.toUpperCase();
  issues.add('/unit', currencies.has(upper)
    ? `currency codes are written in capitals: "${upper}"`
    : `must be "points" or an ISO 4217 currency code such as "EUR"`);
  return false;
}

const isScalar = (value: unknown) =>
  value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  || (typeof value === 'string' && value.length <= 1000);

export function checkMetadata(metadata: unknown, issues: Issues): BalanceDefinition['metadata'] | undefined {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    issues.add('/metadata', 'must be an object of keys and scalar values');
    return undefined;
  }
  const entries = Object.entries(metadata);
  let ok = true;
  if (entries.length > maxMetadataKeys) {
    issues.add('/metadata', `must have at most ${maxMetadataKeys} keys`);
    ok = false;
  }
  for (const [key, value] of entries) {
    const at = `/metadata/${pointerSegment(key)}`;
    if (key.length < 1 || key.length > 100) {
      issues.add(at, 'keys must be 1 to 100 characters');
      ok = false;
    } else if (!isScalar(value)) {
      // Flat on purpose: it reaches receivers as Brevo's balance_definition.metadata, a key/value map.
      issues.add(at, 'must be a string (up to 1000 characters), a number, a boolean or null');
      ok = false;
    }
  }
  return ok ? (metadata as BalanceDefinition['metadata']) : undefined;
}

function checkRounding(input: RoundingInput, at: string, issues: Issues): Rounding | undefined {
  if (input.mode === 'none') {
    if (input.step === undefined) return { mode: 'none' };
    issues.add(`${at}/step`, 'is only given with mode down, up or nearest');
    return undefined;
  }
  if (input.step === undefined) {
    issues.add(`${at}/step`, `is required with mode ${input.mode}`);
    return undefined;
  }
  return issues.amount(input.step, `${at}/step`, 1) ? { mode: input.mode, step: input.step } : undefined;
}

const expiryFields = {
  none: [],
  duration: ['amount', 'unit', 'alignment'],
  fixed_date: ['month', 'day'],
} as const satisfies Record<Expiry['kind'], readonly (keyof ExpiryInput)[]>;

function checkExpiry(input: ExpiryInput, issues: Issues): Expiry | undefined {
  const allowed: readonly string[] = expiryFields[input.kind];
  let ok = true;
  for (const [field, value] of Object.entries(input)) {
    if (field === 'kind' || value === undefined || allowed.includes(field)) continue;
    issues.add(`/expiry/${field}`, `is not used with kind ${input.kind}`);
    ok = false;
  }
  const required = (field: keyof ExpiryInput) => {
    if (input[field] !== undefined) return true;
    issues.add(`/expiry/${field}`, `is required with kind ${input.kind}`);
    return (ok = false);
  };
  if (input.kind === 'none') return ok ? { kind: 'none' } : undefined;
  if (input.kind === 'duration') {
    if (required('unit') && required('amount')) {
      ok = issues.whole(input.amount, '/expiry/amount', 1, maxDuration[input.unit!], `a whole number of ${input.unit}s`) && ok;
    }
    return ok ? { kind: 'duration', amount: input.amount!, unit: input.unit!, alignment: input.alignment ?? 'none' } : undefined;
  }
  if (required('month') && issues.whole(input.month, '/expiry/month', 1, 12) && required('day')) {
    ok = issues.whole(input.day, '/expiry/day', 1, daysInMonth[input.month! - 1], `a day of month ${input.month}`) && ok;
  } else {
    ok = false;
  }
  return ok ? { kind: 'fixed_date', month: input.month!, day: input.day! } : undefined;
}

function checkVelocityLimits(limits: VelocityLimit[], issues: Issues): VelocityLimit[] | undefined {
  if (limits.length > maxVelocityLimits) {
    issues.add('/velocityLimits', `must have at most ${maxVelocityLimits} limits`);
    return undefined;
  }
  let ok = true;
  const seen = new Map<string, number>();
  limits.forEach((limit, i) => {
    ok = issues.amount(limit.limit, `/velocityLimits/${i}/limit`, 1) && ok;
    // Two limits on the same thing would leave only the smaller one meaningful: surely a mistake.
    const key = `${limit.direction}/${limit.measure}/${limit.period}/${limit.window}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.add(`/velocityLimits/${i}`, `limits the same ${limit.direction} ${limit.measure} per ${limit.window} ${limit.period} as /velocityLimits/${first}`);
      ok = false;
    }
    seen.set(key, first ?? i);
  });
  return ok ? limits.map((l) => ({ direction: l.direction, measure: l.measure, limit: l.limit, period: l.period, window: l.window })) : undefined;
}

/**
 * The definition `base` becomes with `input` applied: only given fields change, `null` clears a
 * nullable limit. Throws one 422 naming every faulty field.
 */
export function applyDefinitionInput(base: BalanceDefinition, input: DefinitionInput, known: FieldIssue[] = []): BalanceDefinition {
  const issues = new Issues();
  issues.list.push(...known);
  const next: BalanceDefinition = { ...base };
  if (input.name !== undefined) next.name = checkName(input.name, issues) ?? base.name;
  if (input.unit !== undefined && checkUnit(input.unit, issues)) next.unit = input.unit;
  if (input.decimals !== undefined && issues.whole(input.decimals, '/decimals', 0, 6)) next.decimals = input.decimals;
  if (input.metadata !== undefined) next.metadata = checkMetadata(input.metadata, issues) ?? base.metadata;
  // A balance never goes below 0, so a negative minimum could never be reached.
  for (const [field, min] of [['minimum', 0], ['maximum', 1], ['creditCap', 1], ['debitCap', 1]] as const) {
    const value = input[field];
    if (value === null || (value !== undefined && issues.amount(value, `/${field}`, min))) next[field] = value;
  }
  if (input.maximumStrategy !== undefined) next.maximumStrategy = input.maximumStrategy;
  for (const field of ['creditRounding', 'debitRounding'] as const) {
    const value = input[field];
    if (value !== undefined) next[field] = checkRounding(value, `/${field}`, issues) ?? base[field];
  }
  if (input.expiry !== undefined) next.expiry = checkExpiry(input.expiry, issues) ?? base.expiry;
  if (input.pendingDays !== undefined && issues.whole(input.pendingDays, '/pendingDays', 0, 365)) next.pendingDays = input.pendingDays;
  if (input.velocityLimits !== undefined) next.velocityLimits = checkVelocityLimits(input.velocityLimits, issues) ?? base.velocityLimits;
  const reminder = input.reminderDaysBefore;
  if (reminder === null || (reminder !== undefined && issues.whole(reminder, '/reminderDaysBefore', 0, 365))) next.reminderDaysBefore = reminder;
  if (input.allowNegativeBalance !== undefined) next.allowNegativeBalance = input.allowNegativeBalance;

  // Checked on the result, so a PATCH of one bound is held against the other's current value.
  if (next.minimum !== null && next.maximum !== null && next.minimum >= next.maximum) {
    issues.add(input.maximum !== undefined ? '/maximum' : '/minimum',
      `the minimum (${next.minimum}) must be below the maximum (${next.maximum})`);
  }
  issues.throwIfAny();
  return next;
}

/** A new definition from a create request: defaults, then the request applied and checked. */
export function newDefinition(input: DefinitionCreate, at: { id: string; programId: string; now: Date }): BalanceDefinition {
  const unit = input.unit ?? pointsUnit;
  const defaults: BalanceDefinition = {
    id: at.id,
    programId: at.programId,
    name: '',
    unit,
    decimals: unit !== pointsUnit && currencies.has(unit) ? currencyDecimals(unit) : 0,
    metadata: {},
    minimum: null,
    maximum: null,
    // Refusing is the safer default: a silently shortened credit surprises the member.
    maximumStrategy: 'strict',
    creditCap: null,
    debitCap: null,
    creditRounding: { mode: 'none' },
    debitRounding: { mode: 'none' },
    expiry: { kind: 'none' },
    pendingDays: 0,
    velocityLimits: [],
    reminderDaysBefore: null,
    allowNegativeBalance: false,
    isDefault: false,
    createdAt: at.now,
    updatedAt: at.now,
  };
  return applyDefinitionInput(defaults, input, input.name === undefined ? [{ field: '/name', message: 'is required' }] : []);
}
