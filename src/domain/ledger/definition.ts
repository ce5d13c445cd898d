/** A kind of value a program keeps (points, cashback in a currency): the rules of its balances. */

export type Rounding = { mode: 'none' } | { mode: 'down' | 'up' | 'nearest'; step: number };

export type PeriodUnit = 'day' | 'week' | 'month' | 'year';

export type Expiry =
  | { kind: 'none' }
  /** `alignment` moves the end of the duration to the start or the end of its period. */
  | { kind: 'duration'; amount: number; unit: PeriodUnit; alignment: 'none' | 'start_of_period' | 'end_of_period' }
  /** Every lot expires on the next such date (at midnight, program time). */
  | { kind: 'fixed_date'; month: number; day: number };

export interface VelocityLimit {
  direction: 'credit' | 'debit';
  measure: 'count' | 'amount';
  limit: number;
  period: 'hour' | PeriodUnit;
  /** sliding: the last period up to now; calendar: since the current period began (program time). */
  window: 'sliding' | 'calendar';
}

export interface BalanceDefinition {
  id: string;
  programId: string;
  name: string;
  unit: string;
  decimals: number;
  metadata: Record<string, string | number | boolean | null>;
  /** Reaching or passing it fires balance_minimum_value_reached. */
  minimum: number | null;
  maximum: number | null;
  maximumStrategy: 'strict' | 'partial';
  creditCap: number | null;
  debitCap: number | null;
  creditRounding: Rounding;
  debitRounding: Rounding;
  expiry: Expiry;
  pendingDays: number;
  velocityLimits: VelocityLimit[];
  /** Days before a lot expires that reminders fire; null: the program's expiring-notifications setting. */
  reminderDaysBefore: number | null;
  /** A return may take back more than the balance holds, leaving it negative (the debt stays until units cover it). */
  allowNegativeBalance: boolean;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What a balance holds, in minor units. */
export interface BalanceFigures {
  available: number;
  pending: number;
  blocked: number;
  spent: number;
  expired: number;
  earned: number;
}
