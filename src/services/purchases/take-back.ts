import { takeBackShare } from '../../domain/campaigns/campaign.ts';
import { allocate, type Allocation } from '../../domain/ledger/allocation.ts';
import { uuidv7 } from '../../domain/ids.ts';
import type { Queryable } from '../../storage/db.ts';
import { runsOfPurchase } from '../../storage/campaigns/runs.ts';
import { saveFigures } from '../../storage/ledger/balances.ts';
import * as lots from '../../storage/ledger/lots.ts';
import * as transactions from '../../storage/ledger/transactions.ts';
import type { PurchaseRow, TakeBack } from '../../storage/purchases/transactions.ts';
import { returnsOf } from '../../storage/purchases/transactions.ts';
import { addBalanceDebt } from '../../storage/purchases/debt.ts';
import type { ProgramScope } from '../emit-context.ts';
import { earliestExpiry, figuresOf } from '../ledger/apply.ts';
import { emitBalanceChange } from '../ledger/balance-events.ts';
import { scopeOfTransaction } from '../ledger/transactions.ts';

/**
 * A return takes back, from each award its sale earned, the award's share of the value returned
 * so far (less what earlier returns took): from the lot that award created first, then from the
 * member's other free units. What is no longer there (spent, blocked, expired) is not taken and
 * is reported as `notTaken` — unless the definition allows a negative balance: then it is
 * taken all the same, and the balance goes below zero (`debt`).
 */
export async function takeBackForReturn(
  tx: Queryable, scope: ProgramScope, ret: PurchaseRow, sale: PurchaseRow, sourceEventId: string | null,
): Promise<TakeBack[]> {
  const programId = scope.program.id;
  const earlier = (await returnsOf(tx, programId, sale.id)).filter((r) => r.id !== ret.id && r.memberId !== null);
  const returnedSoFar = earlier.reduce((n, r) => n + r.grossTotal, 0) + ret.grossTotal;
  const takeBacks: TakeBack[] = [];
  for (const run of await runsOfPurchase(tx, programId, sale.id)) {
    for (const effect of run.effects) {
      if (effect.type !== 'award_units' || effect.status !== 'applied' || !effect.ledgerTransactionId) continue;
      const creditId = effect.ledgerTransactionId;
      const alreadyTaken = earlier.flatMap((r) => r.takeBacks).filter((t) => t.creditTransactionId === creditId).reduce((n, t) => n + t.due, 0);
      const due = takeBackShare(effect.amount!, sale.grossTotal, returnedSoFar, alreadyTaken);
      if (due === 0) continue;
      takeBacks.push(await takeBack(tx, scope, creditId, due, ret, sourceEventId));
    }
  }
  return takeBacks;
}

async function takeBack(tx: Queryable, scope: ProgramScope, creditId: string, due: number, ret: PurchaseRow, sourceEventId: string | null): Promise<TakeBack> {
  const credit = (await transactions.findTransaction(tx, scope.program.id, creditId))!;
  const ls = await scopeOfTransaction(tx, scope, credit);
  const own = await lots.findLotOfTransaction(tx, creditId);
  const allocations: Allocation[] = [];
  let fromPending = 0;
  if (own && (own.status === 'active' || own.status === 'pending')) {
    const take = Math.min(own.remaining - own.blocked, due);
    if (take > 0) {
      allocations.push({ lotId: own.id, amount: take });
      if (own.status === 'pending') fromPending = take;
    }
  }
  const rest = due - (allocations[0]?.amount ?? 0);
  if (rest > 0) {
    const others = (await lots.spendableLots(tx, ls.balance.id)).filter((l) => l.id !== own?.id);
    const free = others.reduce((n, l) => n + l.remaining - l.blocked, 0);
    allocations.push(...(allocate(others, Math.min(rest, free)) ?? []));
  }
  const fromLots = allocations.reduce((n, a) => n + a.amount, 0);
  // What the lots no longer hold makes the balance negative only where the definition allows it.
  const debt = ls.definition.allowNegativeBalance ? due - fromLots : 0;
  const taken = fromLots + debt;
  const outcome: TakeBack = {
    creditTransactionId: creditId, balanceDefinitionId: ls.definition.id, due, taken, notTaken: due - taken, debt, debitTransactionId: null,
  };
  if (taken === 0) return outcome;

  const before = figuresOf(ls.balance);
  const debit: transactions.LedgerTransactionRow = {
    id: uuidv7(scope.now), programId: scope.program.id, balanceId: ls.balance.id, kind: 'debit', reason: 'campaign', amount: taken,
    status: 'completed', availableAt: null, pendingExpiresAt: null, reversesId: null, transferId: null, blockId: null,
    comment: `return ${ret.documentNumber}`, externalRef: null, createdAt: scope.now, completedAt: scope.now, updatedAt: scope.now,
  };
  await transactions.insertTransaction(tx, debit);
  await lots.adjustLots(tx, allocations.map((a) => ({ lotId: a.lotId, remaining: -a.amount, blocked: 0 })));
  await lots.insertAllocations(tx, scope.program.id, debit.id, allocations);
  ls.balance.pending -= fromPending;
  ls.balance.available -= taken - fromPending;
  ls.balance.spent += fromLots;
  await saveFigures(tx, ls.balance, scope.emit.now);
  if (debt > 0) await addBalanceDebt(tx, ls.balance.id, debt);
  await emitBalanceChange(tx, scope.emit, {
    member: ls.snapshot, definition: ls.definition, before, after: figuresOf(ls.balance), created: false, reason: 'campaign',
    transactionId: debit.id, transaction: { type: 'debit', value: taken }, earliestExpiry: await earliestExpiry(tx, ls.balance.id),
    sourceEventId,
  });
  return { ...outcome, debitTransactionId: debit.id };
}
