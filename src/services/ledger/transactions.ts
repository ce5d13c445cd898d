import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import { decideMovement } from '../../domain/ledger/limits.ts';
import type { RefusalKind } from '../../domain/ledger/refusals.ts';
import { velocityWindowStart, withinVelocity } from '../../domain/ledger/velocity.ts';
import { Problem, conflict, invalidInput, notFound } from '../../domain/problem.ts';
import { scheduleJob, unscheduleJob } from '../../scheduler/schedule.ts';
import type { Queryable } from '../../storage/db.ts';
import type { Write } from '../../storage/writes.ts';
import { lockBalanceById } from '../../storage/ledger/balances.ts';
import { findDefinition } from '../../storage/ledger/definitions.ts';
import * as transactions from '../../storage/ledger/transactions.ts';
import type { LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import { findMember } from '../../storage/members.ts';
import { findSubscriptionById } from '../../storage/subscriptions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { recalculateMemberTier } from '../tiers/recalculate.ts';
import { creditBalance, debitBalance, firstValueChange, ledgerJobs } from './apply.ts';
import { emitBalanceChange, emitRefusal, type UnitChangeReason } from './balance-events.ts';
import { goesInBatches, submitMovement } from './movement-batcher.ts';
import { LedgerRefusal, newTransactionRow, type TransactionInput } from './movement.ts';
import { openBalance, type LedgerScope } from './ledger-scope.ts';
import { transactionView } from './views.ts';

export { LedgerRefusal, type TransactionInput } from './movement.ts';

/** Runs a ledger use case whose refusals must still commit their event: they are thrown after the commit. */
export async function withRefusals<T>(ctx: ServiceContext, work: (tx: Queryable) => Promise<T | LedgerRefusal>): Promise<T> {
  const result = await ctx.db.transaction(work);
  if (result instanceof LedgerRefusal) throw result;
  return result;
}

async function velocityRefusal(tx: Queryable, ls: LedgerScope, kind: 'credit' | 'debit', amount: number): Promise<boolean> {
  for (const limit of ls.definition.velocityLimits.filter((l) => l.direction === kind)) {
    const since = velocityWindowStart(limit, ls.scope.now, ls.scope.program.timezone);
    const used = await transactions.usageSince(tx, ls.balance.id, kind, since);
    if (!withinVelocity(limit, used, amount)) return true;
  }
  return false;
}

/**
 * Checks a credit or debit against the member, the definition's rules and the balance. On a
 * refusal, fires balance_transaction_unauthorized and returns the problem to answer.
 */
export async function checkMovement(tx: Queryable, ls: LedgerScope, kind: 'credit' | 'debit', requested: number) {
  const decision = decideMovement(ls.member.status === 'active', ls.definition, ls.balance, kind, requested);
  if (decision.ok && !(await velocityRefusal(tx, ls, kind, decision.amount))) {
    return { ok: true as const, amount: decision.amount, maximumReached: decision.maximumReached };
  }
  const refusal: RefusalKind = decision.ok ? 'velocity' : decision.refusal;
  await emitRefusal(tx, ls.scope.emit, ls.snapshot, ls.definition, refusal, { type: kind, value: requested }, ls.balance.available);
  return { ok: false as const, refusal: new LedgerRefusal(refusal) };
}

/** Applies a completed credit or debit to the locked balance and emits its events. */
export async function completeMovement(
  tx: Queryable, ls: LedgerScope, t: LedgerTransactionRow,
  options: { maximumReached: boolean; sourceEventId?: string | null; alsoWrite?: Write[] },
) {
  const change = t.kind === 'credit' ? await creditBalance(tx, ls, t, t.reason, options.alsoWrite) : await debitBalance(tx, ls, t, options.alsoWrite);
  await emitBalanceChange(tx, ls.scope.emit, {
    member: ls.snapshot,
    definition: ls.definition,
    before: change.before,
    after: change.after,
    created: await firstValueChange(tx, ls.balance.id, change.before),
    reason: t.reason as UnitChangeReason,
    transactionId: t.id,
    transaction: { type: t.kind === 'credit' ? 'credit' : 'debit', value: t.amount },
    earliestExpiry: change.earliestExpiry,
    sourceEventId: options.sourceEventId ?? null,
    maximumReached: options.maximumReached,
  });
  // Tiers hook: a completed balance change recalculates the owner's real-time tier groups (cheap when there are none).
  await recalculateMemberTier(tx, ls.scope, ls.subscription.memberId, { sourceEventId: t.id });
}

const checkAmount = (amount: number) => {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw invalidInput('/amount', 'must be a positive integer of minor units');
};

function checkInput(input: TransactionInput) {
  checkAmount(input.amount);
  if (input.availableAt !== undefined) {
    if (input.kind !== 'credit') throw invalidInput('/availableAt', 'only a credit can be scheduled');
    const at = new Date(input.availableAt);
    if (Number.isNaN(at.getTime())) throw invalidInput('/availableAt', 'is not a date-time');
  }
  if (input.ttlSeconds !== undefined && input.autoComplete) throw invalidInput('/ttlSeconds', 'applies only to a pending transaction (autoComplete false)');
}

/**
 * Creates a credit or debit: pending (the balance unchanged until it is completed) or, with
 * autoComplete, completed at once. A scheduled credit (`availableAt`) or the definition's
 * pending period make the credited units pending until then.
 */
/**
 * Creates a credit or debit: pending (the balance unchanged until it is completed) or, with
 * autoComplete, completed at once. A scheduled credit (`availableAt`) or the definition's
 * pending period make the credited units pending until then. A plain completed credit or debit
 * of a member goes through the program's group commit (movement-batcher.ts): same rules, same
 * events, fewer statements per request under load.
 */
export async function createTransaction(ctx: ServiceContext, programId: string, input: TransactionInput, source = 'api') {
  checkInput(input);
  if (goesInBatches(input)) return submitMovement(ctx, programId, source, input, createAlone);
  return createAlone(ctx, programId, input, source);
}

/** createTransaction in a database transaction of its own. */
async function createAlone(ctx: ServiceContext, programId: string, input: TransactionInput, source: string) {
  try {
    return await withRefusals(ctx, async (tx) => {
      const scope = await programScope(tx, ctx, programId, source);
      if (input.externalRef) {
        const existing = await transactions.findTransactionByRef(tx, programId, input.externalRef);
        if (existing) throw conflict(`a transaction with externalRef "${input.externalRef}" already exists: ${existing.id}`, '/externalRef');
      }
      const ls = await openBalance(tx, scope, input);
      return createInScope(tx, ls, input);
    });
  } catch (error) {
    // The same reference sent twice at once: the check above saw neither; the index refuses one.
    if (transactions.isExternalRefTaken(error)) throw conflict(`a transaction with externalRef "${input.externalRef}" already exists`, '/externalRef');
    throw error;
  }
}

export async function createInScope(tx: Queryable, ls: LedgerScope, input: TransactionInput) {
  checkAmount(input.amount);
  const scope = ls.scope;
  const checked = await checkMovement(tx, ls, input.kind, input.amount);
  if (!checked.ok) return checked.refusal;
  const t = newTransactionRow(ls, input, checked.amount);
  if (input.autoComplete) {
    // The transaction's row goes with its lot changes: one round trip.
    await completeMovement(tx, ls, t, {
      maximumReached: checked.maximumReached, sourceEventId: input.sourceEventId, alsoWrite: [transactions.insertTransactionWrite(t)],
    });
    return transactionView(t);
  }
  await transactions.insertTransaction(tx, t);
  if (t.pendingExpiresAt) {
    await scheduleJob(tx, { programId: t.programId, kind: ledgerJobs.pendingTimeout, runAt: t.pendingExpiresAt,
      payload: { transactionId: t.id }, dedupeKey: `${ledgerJobs.pendingTimeout}:${t.id}`, now: scope.emit.now });
  }
  return transactionView(t);
}

/** Re-opens the ledger scope of an existing transaction, locking its balance. */
export async function scopeOfTransaction(tx: Queryable, scope: ProgramScope, t: LedgerTransactionRow): Promise<LedgerScope> {
  const balance = await lockBalanceById(tx, scope.program.id, t.balanceId);
  const subscription = (await findSubscriptionById(tx, scope.program.id, balance.subscriptionId))!;
  const member = (await findMember(tx, scope.program.id, subscription.memberId))!;
  const definition = (await findDefinition(tx, scope.program.id, balance.definitionId)) as BalanceDefinition;
  return { scope, member, snapshot: memberSnapshot(member, subscription), subscription, definition, balance, created: false };
}

async function loadTransaction(tx: Queryable, programId: string, id: string) {
  const t = await transactions.findTransaction(tx, programId, id);
  if (!t) throw notFound('transaction', id);
  return t;
}

const wrongState = (t: LedgerTransactionRow, action: string) =>
  new Problem(409, 'transaction-state', 'Transaction state does not allow this', `cannot ${action} a ${t.status} transaction`);

/** Completes a pending transaction, checking the rules again against the balance as it is now. */
export async function completeTransaction(ctx: ServiceContext, programId: string, id: string, source = 'api') {
  return withRefusals(ctx, async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const found = await loadTransaction(tx, programId, id);
    const ls = await scopeOfTransaction(tx, scope, found);
    const t = (await transactions.findTransaction(tx, programId, id))!; // re-read under the balance lock
    if (t.status !== 'pending' || t.kind === 'block' || t.kind === 'unblock') throw wrongState(t, 'complete');
    if (ls.subscription.status !== 'active') throw new LedgerRefusal('subscriptionRevoked');
    const checked = await checkMovement(tx, ls, t.kind, t.amount);
    if (!checked.ok) return checked.refusal;
    const done: LedgerTransactionRow = { ...t, amount: checked.amount, status: 'completed', completedAt: scope.now, updatedAt: scope.now };
    await transactions.saveTransactionState(tx, done);
    await unscheduleJob(tx, programId, `${ledgerJobs.pendingTimeout}:${id}`);
    await completeMovement(tx, ls, done, { maximumReached: checked.maximumReached });
    return transactionView(done);
  });
}

/**
 * Cancels a pending transaction (balance_transaction_unauthorized, "Transaction cancelled"), or
 * expires it when its time-to-live ran out. A completed one is reversed instead.
 */
export async function endPendingTransaction(
  tx: Queryable, scope: ProgramScope, id: string, outcome: 'cancelled' | 'expired',
) {
  const found = await loadTransaction(tx, scope.program.id, id);
  const ls = await scopeOfTransaction(tx, scope, found);
  const t = (await transactions.findTransaction(tx, scope.program.id, id))!;
  if (t.status !== 'pending') {
    if (outcome === 'expired') return null; // completed or cancelled before its time-out: nothing to do
    throw t.status === 'completed'
      ? new Problem(409, 'transaction-state', 'Transaction completed', 'a completed transaction cannot be cancelled; reverse it instead')
      : wrongState(t, 'cancel');
  }
  const ended: LedgerTransactionRow = { ...t, status: outcome, updatedAt: scope.now };
  await transactions.saveTransactionState(tx, ended);
  await unscheduleJob(tx, scope.program.id, `${ledgerJobs.pendingTimeout}:${id}`);
  await emitRefusal(tx, scope.emit, ls.snapshot, ls.definition, outcome === 'cancelled' ? 'cancelled' : 'expired',
    { type: t.kind === 'credit' ? 'credit' : 'debit', value: t.amount }, ls.balance.available);
  return transactionView(ended);
}

export async function cancelTransaction(ctx: ServiceContext, programId: string, id: string, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    return (await endPendingTransaction(tx, scope, id, 'cancelled'))!;
  });
}

export { loadTransaction, wrongState };
