import { uuidv7 } from '../../domain/ids.ts';
import { Problem } from '../../domain/problem.ts';
import type { Queryable } from '../../storage/db.ts';
import { balanceKeys, saveFigures } from '../../storage/ledger/balances.ts';
import * as lots from '../../storage/ledger/lots.ts';
import * as transactions from '../../storage/ledger/transactions.ts';
import type { LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { earliestExpiry, figuresOf } from './apply.ts';
import { recalculateMemberTier } from '../tiers/recalculate.ts';
import { emitBalanceChange } from './balance-events.ts';
import { lockOrder, type LedgerScope } from './ledger-scope.ts';
import { loadTransaction, scopeOfTransaction, withRefusals } from './transactions.ts';
import { transactionView } from './views.ts';

const cannotReverse = (detail: string) => new Problem(409, 'not-reversible', 'Transaction cannot be reversed', detail);

/**
 * Reverses a completed credit or debit with a new, opposite transaction linked to it (reason
 * `cancel`), returning the exact units to the exact lots:
 * - a debit's units go back to the lots it took them from (into `expired` if a lot expired since);
 * - a credit is taken back only while its lot still holds every unit it brought ("the member
 *   still has the units to reverse it"); the lot is then cancelled.
 */
export async function reverseTransaction(ctx: ServiceContext, programId: string, id: string, comment?: string, source = 'api') {
  return withRefusals(ctx, async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const found = await loadTransaction(tx, programId, id);
    if (found.transferId && !found.reversesId && (found.reason === 'transfer_in' || found.reason === 'transfer_out')) {
      return reverseTransfer(tx, scope, found, comment ?? null);
    }
    const ls = await scopeOfTransaction(tx, scope, found);
    return reverseInScope(tx, ls, (await transactions.findTransaction(tx, programId, id))!, comment ?? null);
  });
}

/**
 * Cancels a transfer between two members, whichever side is named: the receiver gives the
 * units back (refused unless they still hold every one of them) and the sender gets them back
 * in the lots they came from — never one side alone, which would create or destroy units.
 * Both balances are locked in the ledger's one fixed order before anything is read.
 */
async function reverseTransfer(tx: Queryable, scope: ProgramScope, named: LedgerTransactionRow, comment: string | null) {
  const sides = await transactions.transferSides(tx, scope.program.id, named.transferId!);
  const credit = sides.find((t) => t.kind === 'credit');
  const debit = sides.find((t) => t.kind === 'debit');
  if (!credit || !debit) throw cannotReverse('the transfer does not have its two sides');
  const keys = new Map((await balanceKeys(tx, [credit.balanceId, debit.balanceId])).map((k) => [k.id, k]));
  const scopes = new Map<string, LedgerScope>();
  for (const t of [credit, debit].sort((a, b) => lockOrder(keys.get(a.balanceId)!, keys.get(b.balanceId)!))) {
    scopes.set(t.balanceId, await scopeOfTransaction(tx, scope, t));
  }
  // Re-read under the locks: a concurrent cancel of the same transfer has finished by now.
  const creditNow = (await transactions.findTransaction(tx, scope.program.id, credit.id))!;
  const debitNow = (await transactions.findTransaction(tx, scope.program.id, debit.id))!;
  const creditReversal = await reverseInScope(tx, scopes.get(credit.balanceId)!, creditNow, comment);
  const debitReversal = await reverseInScope(tx, scopes.get(debit.balanceId)!, debitNow, comment);
  return named.id === credit.id ? creditReversal : debitReversal;
}

export async function reverseInScope(tx: Queryable, ls: LedgerScope, original: LedgerTransactionRow, comment: string | null) {
  const scope = ls.scope;
  if (original.status !== 'completed' || (original.kind !== 'credit' && original.kind !== 'debit')) {
    throw cannotReverse(`only a completed credit or debit can be reversed; this is a ${original.status} ${original.kind}`);
  }
  if (original.reversesId) throw cannotReverse('a reversal cannot itself be reversed');
  if (await transactions.findFollowUp(tx, original.id)) throw cannotReverse('the transaction was already reversed');

  const before = figuresOf(ls.balance);
  const reversal: LedgerTransactionRow = {
    id: uuidv7(scope.now), programId: original.programId, balanceId: original.balanceId,
    kind: original.kind === 'credit' ? 'debit' : 'credit', reason: 'cancel', amount: original.amount, status: 'completed',
    availableAt: null, pendingExpiresAt: null, reversesId: original.id, transferId: original.transferId, blockId: null,
    comment, externalRef: null, createdAt: scope.now, completedAt: scope.now, updatedAt: scope.now,
  };

  if (original.kind === 'credit') {
    const lot = await lots.findLotOfTransaction(tx, original.id);
    if (!lot || (lot.status !== 'active' && lot.status !== 'pending') || lot.remaining !== lot.amount || lot.blocked > 0) {
      throw cannotReverse('the units this credit brought are no longer all there (spent, blocked or expired)');
    }
    await transactions.insertTransaction(tx, reversal);
    await lots.adjustLots(tx, [{ lotId: lot.id, remaining: -lot.remaining, blocked: 0 }]);
    await lots.setLotStatus(tx, lot.id, 'cancelled');
    if (lot.status === 'pending') ls.balance.pending -= lot.amount;
    else ls.balance.available -= lot.amount;
    ls.balance.earned -= lot.amount;
  } else {
    await transactions.insertTransaction(tx, reversal);
    const allocations = await lots.allocationsOf(tx, original.id);
    await lots.adjustLots(tx, allocations.map((a) => a.lotStatus === 'expired'
      ? { lotId: a.lotId, remaining: 0, blocked: 0, expired: a.amount }
      : { lotId: a.lotId, remaining: a.amount, blocked: 0 }));
    for (const a of allocations) {
      if (a.lotStatus === 'expired') ls.balance.expired += a.amount;
      else ls.balance.available += a.amount;
    }
    ls.balance.spent -= original.amount;
  }
  await saveFigures(tx, ls.balance, scope.emit.now);
  await emitBalanceChange(tx, scope.emit, {
    member: ls.snapshot, definition: ls.definition, before, after: figuresOf(ls.balance), created: false, reason: 'cancel',
    transactionId: reversal.id, transaction: { type: reversal.kind === 'credit' ? 'credit' : 'debit', value: reversal.amount },
    earliestExpiry: await earliestExpiry(tx, ls.balance.id), sourceEventId: null,
  });
  await recalculateMemberTier(tx, scope, ls.subscription.memberId, { sourceEventId: reversal.id });
  return transactionView(reversal);
}
