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
import type { LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import { runWrites, type Write } from '../../storage/writes.ts';
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

/**
 * Whether a change is the first to move a balance's value (Brevo's `created`): nothing was ever
 * available, spent, blocked or expired before, and no credit was taken back. Judged from the
 * balance's history rather than from whether this call inserted its row, since a refused first
 * operation or a pending credit also inserts it without giving it a value.
 */
export async function firstValueChange(tx: Queryable, balanceId: string, before: BalanceFigures): Promise<boolean> {
  if (before.available !== 0 || before.spent !== 0 || before.blocked !== 0 || before.expired !== 0) return false;
  const rows = await tx.query(
    `SELECT 1 FROM ledger_transactions WHERE balance_id = $1 AND status = 'completed' AND reverses_id IS NOT NULL LIMIT 1`, [balanceId]);
  return rows.length === 0;
}

/** How far ahead a moment must be for a credit to leave its waiting job alone (see scheduleMomentsWrites). */
const settledMs = 60_000;

/**
 * Puts the moments a new lot will need on the schedule: one due row per program and moment
 * (not per lot), so a million lots expiring at one midnight are one sweep, not a million jobs.
 */
function lotMomentsWrites(ls: LedgerScope, lot: LotRow): Write[] {
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
  return scheduleMomentsWrites(program.id, moments, now, new Date(ls.scope.now.getTime() + settledMs));
}

/**
 * Credits a completed transaction: one new lot, active at once or pending until `availableAt`
 * (the definition's pending period or a scheduled credit), expiring by the definition's rule.
 * `alsoWrite` (the transaction's own INSERT, say) goes in the same round trip as the lot.
 */
export async function creditBalance(tx: Queryable, ls: LedgerScope, t: LedgerTransactionRow, source: string, alsoWrite: Write[] = []) {
  const before = figuresOf(ls.balance);
  const availableFrom = t.availableAt && t.availableAt > ls.scope.now ? t.availableAt : ls.scope.now;
  const lot: LotRow = {
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
  await runWrites(tx, [...alsoWrite, lots.insertLotWrite(lot), ...lotMomentsWrites(ls, lot)]);
  if (lot.status === 'pending') ls.balance.pending += t.amount;
  else ls.balance.available += t.amount;
  ls.balance.earned += t.amount;
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
  ls.balance.available -= t.amount;
  ls.balance.spent += t.amount;
  const earliestExpiry = await saveFigures(tx, ls.balance, ls.scope.emit.now);
  return { before, after: figuresOf(ls.balance), earliestExpiry };
}
