import { DateTime } from 'luxon';
import { allocate } from '../../domain/ledger/allocation.ts';
import type { BalanceFigures } from '../../domain/ledger/definition.ts';
import { lotExpiresAt } from '../../domain/ledger/expiry.ts';
import { uuidv7 } from '../../domain/ids.ts';
import type { Queryable } from '../../storage/db.ts';
import { saveFigures } from '../../storage/ledger/balances.ts';
import * as lots from '../../storage/ledger/lots.ts';
import { scheduleMomentsWrites, type Moment } from '../../storage/ledger/moments.ts';
import type { LotRow } from '../../storage/ledger/lots.ts';
import { wasEverReversed, type LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import { runWrites, type Write } from '../../storage/writes.ts';
import type { ProgramScope } from '../emit-context.ts';
import type { LedgerScope } from './ledger-scope.ts';

export const ledgerJobs = {
  activateLots: 'ledger.activate-lots',
  expireLots: 'ledger.expire-lots',
  remindLots: 'ledger.remind-lots',
  pendingTimeout: 'ledger.pending-timeout',
} as const;

export const figuresOf = (b: BalanceFigures): BalanceFigures => ({
  available: b.available, pending: b.pending, blocked: b.blocked, spent: b.spent, expired: b.expired, earned: b.earned,
});

/** Earliest expiry among a balance's remaining lots (Brevo's expiration_date). */
export async function earliestExpiry(tx: Queryable, balanceId: string): Promise<Date | null> {
  const [row] = await tx.query<{ at: Date | null }>(
    `SELECT min(expires_at) AS at FROM lots WHERE balance_id = $1 AND status IN ('active', 'pending') AND remaining > 0`,
    [balanceId],
  );
  return row?.at ?? null;
}

/** No value ever moved through the figures (see firstValueChange). */
export const untouched = (b: BalanceFigures) => b.available === 0 && b.spent === 0 && b.blocked === 0 && b.expired === 0;

/**
 * Whether a change is the first to move a balance's value (Brevo's `created`): nothing was ever
 * available, spent, blocked or expired before, and no credit was taken back. Judged from the
 * balance's history rather than from whether this call inserted its row, since a refused first
 * operation or a pending credit also inserts it without giving it a value.
 */
export async function firstValueChange(tx: Queryable, balanceId: string, before: BalanceFigures): Promise<boolean> {
  return untouched(before) && !(await wasEverReversed(tx, balanceId));
}

/** How far ahead a moment must be for a credit to leave its waiting job alone (see scheduleMomentsWrites). */
const settledMs = 60_000;

/**
 * The moments a new lot will need on the schedule: one due row per program and moment (not per
 * lot), so a million lots expiring at one midnight are one sweep, not a million jobs.
 */
export function lotMoments(ls: LedgerScope, lot: LotRow): Moment[] {
  const { program } = ls.scope;
  const now = ls.scope.emit.now;
  const moment = (kind: string, runAt: Date, dedupeKey: string, payload: Record<string, unknown> = {}): Moment =>
    ({ id: uuidv7(now), kind, runAt, payload, dedupeKey });
  const moments: Moment[] = [];
  if (lot.status === 'pending') {
    moments.push(moment(ledgerJobs.activateLots, lot.availableFrom, `${ledgerJobs.activateLots}:${lot.availableFrom.toISOString()}`));
  }
  if (lot.expiresAt) {
    moments.push(moment(ledgerJobs.expireLots, lot.expiresAt, `${ledgerJobs.expireLots}:${lot.expiresAt.toISOString()}`));
    const daysBefore = ls.definition.reminderDaysBefore ?? program.settings.expiringNotifications.unitsDaysBefore;
    // N calendar days before, in the program's timezone (a daylight-saving change in between moves
    // the UTC offset, not the local day and time).
    const remindAt = DateTime.fromJSDate(lot.expiresAt, { zone: program.timezone }).minus({ days: daysBefore }).toJSDate();
    if (daysBefore > 0 && remindAt > ls.scope.now) {
      moments.push(moment(ledgerJobs.remindLots, remindAt, `${ledgerJobs.remindLots}:${ls.definition.id}:${lot.expiresAt.toISOString()}`,
        { definitionId: ls.definition.id, expiresAt: lot.expiresAt.toISOString(), daysBefore }));
    }
  }
  return moments;
}

/** Writes moments of new lots (see scheduleMomentsWrites), each key once. */
export function lotMomentsWrites(scope: ProgramScope, moments: readonly Moment[]): Write[] {
  const byKey = new Map(moments.map((m) => [m.dedupeKey, m]));
  return scheduleMomentsWrites(scope.program.id, [...byKey.values()], scope.emit.now, new Date(scope.now.getTime() + settledMs));
}

/** The new lot of a completed credit: active at once or pending until `availableAt`, expiring by the definition's rule. */
export function newCreditLot(ls: LedgerScope, t: LedgerTransactionRow, source: string): LotRow {
  const availableFrom = t.availableAt && t.availableAt > ls.scope.now ? t.availableAt : ls.scope.now;
  return {
    id: uuidv7(ls.scope.now),
    programId: t.programId,
    balanceId: ls.balance.id,
    transactionId: t.id,
    amount: t.amount,
    remaining: t.amount,
    blocked: 0,
    expired: 0,
    status: availableFrom > ls.scope.now ? 'pending' : 'active',
    availableFrom,
    expiresAt: lotExpiresAt(ls.definition.expiry, availableFrom, ls.scope.program.timezone),
    source,
    createdAt: ls.scope.now,
  };
}

/** A credit's lot added to the balance's figures. */
export function addCreditToFigures(balance: BalanceFigures, lot: LotRow): void {
  if (lot.status === 'pending') balance.pending += lot.amount;
  else balance.available += lot.amount;
  balance.earned += lot.amount;
}

/** A debit taken from the balance's figures. */
export function takeDebitFromFigures(balance: BalanceFigures, amount: number): void {
  balance.available -= amount;
  balance.spent += amount;
}

/**
 * Credits a completed transaction: one new lot, active at once or pending until `availableAt`
 * (the definition's pending period or a scheduled credit), expiring by the definition's rule.
 * `alsoWrite` (the transaction's own INSERT, say) goes in the same round trip as the lot.
 */
export async function creditBalance(tx: Queryable, ls: LedgerScope, t: LedgerTransactionRow, source: string, alsoWrite: Write[] = []) {
  const before = figuresOf(ls.balance);
  const lot = newCreditLot(ls, t, source);
  await runWrites(tx, [...alsoWrite, lots.insertLotWrite(lot), ...lotMomentsWrites(ls.scope, lotMoments(ls, lot))]);
  addCreditToFigures(ls.balance, lot);
  const earliestExpiry = await saveFigures(tx, ls.balance, ls.scope.emit.now);
  return { before, after: figuresOf(ls.balance), lot, earliestExpiry };
}

/**
 * Debits a completed transaction from the free units of active lots, soonest-expiring first.
 * `alsoWrite` goes in the same round trip as the lots' changes.
 */
export async function debitBalance(tx: Queryable, ls: LedgerScope, t: LedgerTransactionRow, alsoWrite: Write[] = []) {
  const before = figuresOf(ls.balance);
  const allocations = allocate(await lots.spendableLots(tx, ls.balance.id), t.amount);
  // The figures said enough was available; lots saying otherwise would be a broken ledger.
  if (!allocations) throw new Error(`balance ${ls.balance.id}: lots do not cover ${t.amount} although available is ${ls.balance.available}`);
  await runWrites(tx, [
    ...alsoWrite,
    ...lots.adjustLotsWrites(allocations.map((a) => ({ lotId: a.lotId, remaining: -a.amount, blocked: 0 }))),
    ...lots.insertAllocationsWrites(t.programId, t.id, allocations),
  ]);
  takeDebitFromFigures(ls.balance, t.amount);
  const earliestExpiry = await saveFigures(tx, ls.balance, ls.scope.emit.now);
  return { before, after: figuresOf(ls.balance), earliestExpiry };
}
