import { uuidv7 } from '../../domain/ids.ts';
import { conflict, invalidInput } from '../../domain/problem.ts';
import * as transactions from '../../storage/ledger/transactions.ts';
import type { LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { openBalance, type LedgerScope } from './ledger-scope.ts';
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
    // Lock the two balances in one fixed order, so two opposite transfers cannot deadlock.
    const order = [
      { key: 'from', memberId: input.fromMemberId },
      { key: 'to', memberId: input.toMemberId },
    ].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    const opened: Record<string, LedgerScope> = {};
    for (const side of order) {
      opened[side.key] = await openBalance(tx, scope,
        { memberId: side.memberId, balanceDefinitionId: input.balanceDefinitionId });
    }
    const from = opened.from;
    const to = opened.to;
    if (from.balance.id === to.balance.id) throw conflict('both members share one subscription: their balance is the same', '/toMemberId');

    const debit = await checkMovement(tx, from, 'debit', input.amount);
    if (!debit.ok) return debit.refusal;
    const credit = await checkMovement(tx, to, 'credit', debit.amount);
    if (!credit.ok) return credit.refusal;
    if (credit.amount !== debit.amount) {
      // A partial-maximum cut on the receiver would make the two sides differ: refuse instead.
      return new LedgerRefusal('maximum');
    }

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
  });
}
