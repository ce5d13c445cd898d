import { uuidv7 } from '../../domain/ids.ts';
import { conflict, invalidInput } from '../../domain/problem.ts';
import type { Queryable } from '../../storage/db.ts';
import * as transactions from '../../storage/ledger/transactions.ts';
import type { LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { lockOrder, lockResolved, resolveTarget, type LedgerScope, type ResolvedTarget } from './ledger-scope.ts';
import { emitRefusal } from './balance-events.ts';
import { LedgerRefusal, checkMovement, completeMovement, withRefusals } from './transactions.ts';
import { transactionView } from './views.ts';

export interface TransferInput {
  fromMemberId: string;
  toMemberId: string;
  balanceDefinitionId?: string;
  amount: number;
  comment?: string;
}

/**
 * Moves units from one member to another in the same program: a debit of the sender and a
 * credit of the receiver, linked by one transfer id, each with its three events. Both members
 * must be active; the receiver's definition rules (maximum, caps) apply to the credit.
 */
export async function transferUnits(ctx: ServiceContext, programId: string, input: TransferInput, source = 'api') {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw invalidInput('/amount', 'must be a positive integer of minor units');
  if (input.fromMemberId === input.toMemberId) throw invalidInput('/toMemberId', 'must be another member than fromMemberId');
  return withRefusals(ctx, async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const from = await resolveTarget(tx, scope, { memberId: input.fromMemberId, balanceDefinitionId: input.balanceDefinitionId }, '', '/fromMemberId');
    const to = await resolveTarget(tx, scope, { memberId: input.toMemberId, balanceDefinitionId: input.balanceDefinitionId }, '', '/toMemberId');
    if (from.subscription.id === to.subscription.id) throw conflict('both members share one subscription: their balance is the same', '/toMemberId');
    // Lock the two balances in the ledger's one fixed order, so that opposite transfers, their
    // cancellations and sweeps cannot deadlock.
    const opened = new Map<ResolvedTarget, LedgerScope>();
    const key = (r: ResolvedTarget) => ({ subscriptionId: r.subscription.id, definitionId: r.definition.id });
    for (const side of [from, to].sort((a, b) => lockOrder(key(a), key(b)))) opened.set(side, await lockResolved(tx, scope, side));
    return moveUnits(tx, scope, input, opened.get(from)!, opened.get(to)!);
  });
}

/** Checks both sides against their rules and moves the units, the two balances locked. */
async function moveUnits(tx: Queryable, scope: ProgramScope, input: TransferInput, from: LedgerScope, to: LedgerScope) {
  const programId = scope.program.id;
  const debit = await checkMovement(tx, from, 'debit', input.amount);
  if (!debit.ok) return debit.refusal;
  const credit = await checkMovement(tx, to, 'credit', debit.amount);
  if (!credit.ok) return credit.refusal;
  if (credit.amount !== debit.amount && credit.maximumReached) {
    // A partial-maximum cut on the receiver would make the two sides differ: refuse instead,
    // with the events of a refusal at the maximum like any other.
    await emitRefusal(tx, scope.emit, to.snapshot, to.definition, 'maximum', { type: 'credit', value: debit.amount }, to.balance.available);
    return new LedgerRefusal('maximum');
  }
  // Otherwise the receiver gets exactly what the sender gave (their credit rounding does not
  // apply to units that already exist).
  const transferId = uuidv7(scope.now);
  const row = (ls: LedgerScope, kind: 'credit' | 'debit'): LedgerTransactionRow => ({
    id: uuidv7(scope.now), programId, balanceId: ls.balance.id, kind, reason: kind === 'debit' ? 'transfer_out' : 'transfer_in',
    amount: debit.amount, status: 'completed', availableAt: null, pendingExpiresAt: null, reversesId: null, transferId,
    blockId: null, comment: input.comment ?? null, externalRef: null, createdAt: scope.now, completedAt: scope.now, updatedAt: scope.now,
  });
  const out = row(from, 'debit');
  const into = row(to, 'credit');
  await transactions.insertTransaction(tx, out);
  await transactions.insertTransaction(tx, into);
  await completeMovement(tx, from, out, { maximumReached: false });
  await completeMovement(tx, to, into, { maximumReached: credit.maximumReached });
  return { transferId, debit: transactionView(out), credit: transactionView(into) };
}
