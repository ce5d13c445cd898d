import { allocate } from '../../domain/ledger/allocation.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { Problem, invalidInput } from '../../domain/problem.ts';
import { saveFigures } from '../../storage/ledger/balances.ts';
import * as lots from '../../storage/ledger/lots.ts';
import * as transactions from '../../storage/ledger/transactions.ts';
import type { LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import { runWrites } from '../../storage/writes.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { earliestExpiry, figuresOf } from './apply.ts';
import { recalculateMemberTier } from '../tiers/recalculate.ts';
import { emitBalanceChange, emitExpiry, emitRefusal } from './balance-events.ts';
import { openBalance, type BalanceTarget } from './ledger-scope.ts';
import { LedgerRefusal, loadTransaction, scopeOfTransaction, withRefusals } from './transactions.ts';
import { transactionView } from './views.ts';

/**
 * Blocks units: reserved without being spent (e.g. an order being prepared). They leave the
 * available amount for the blocked one, in the lots they would be spent from.
 */
export async function blockUnits(
  ctx: ServiceContext, programId: string, input: BalanceTarget & { amount: number; comment?: string }, source = 'api',
) {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw invalidInput('/amount', 'must be a positive integer of minor units');
  return withRefusals(ctx, async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const ls = await openBalance(tx, scope, input);
    const refusal = ls.member.status !== 'active' ? 'memberInactive' : input.amount > ls.balance.available ? 'insufficient' : null;
    if (refusal) {
      await emitRefusal(tx, scope.emit, ls.snapshot, ls.definition, refusal, { type: 'debit', value: input.amount }, ls.balance.available);
      return new LedgerRefusal(refusal);
    }
    const allocations = allocate(await lots.spendableLots(tx, ls.balance.id), input.amount)!;
    const block: LedgerTransactionRow = {
      id: uuidv7(scope.now), programId, balanceId: ls.balance.id, kind: 'block', reason: 'block', amount: input.amount,
      status: 'completed', availableAt: null, pendingExpiresAt: null, reversesId: null, transferId: null, blockId: null,
      comment: input.comment ?? null, externalRef: null, createdAt: scope.now, completedAt: scope.now, updatedAt: scope.now,
    };
    await runWrites(tx, [
      transactions.insertTransactionWrite(block),
      ...lots.adjustLotsWrites(allocations.map((a) => ({ lotId: a.lotId, remaining: 0, blocked: a.amount }))),
      ...lots.insertAllocationsWrites(programId, block.id, allocations),
    ]);
    const before = figuresOf(ls.balance);
    ls.balance.available -= input.amount;
    ls.balance.blocked += input.amount;
    await saveFigures(tx, ls.balance, scope.emit.now);
    await emitBalanceChange(tx, scope.emit, {
      member: ls.snapshot, definition: ls.definition, before, after: figuresOf(ls.balance), created: ls.created, reason: 'block',
      transactionId: block.id, transaction: { type: 'debit', value: input.amount },
      earliestExpiry: await earliestExpiry(tx, ls.balance.id), sourceEventId: null,
    });
    await recalculateMemberTier(tx, scope, ls.subscription.memberId, { sourceEventId: block.id });
    return transactionView(block);
  });
}

/**
 * Releases a block: its units return to their lots and become available again — or expire at
 * once where their lot expired while they were blocked.
 */
export async function unblockUnits(ctx: ServiceContext, programId: string, blockId: string, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const found = await loadTransaction(tx, programId, blockId);
    const ls = await scopeOfTransaction(tx, scope, found);
    if (found.kind !== 'block') throw new Problem(409, 'not-a-block', 'Not a block', 'only a block can be released');
    if (await transactions.findFollowUp(tx, blockId)) throw new Problem(409, 'block-released', 'Block already released', 'the block was already released');
    const allocations = await lots.allocationsOf(tx, blockId);
    const release: LedgerTransactionRow = {
      id: uuidv7(scope.now), programId, balanceId: found.balanceId, kind: 'unblock', reason: 'unblock', amount: found.amount,
      status: 'completed', availableAt: null, pendingExpiresAt: null, reversesId: null, transferId: null, blockId,
      comment: null, externalRef: null, createdAt: scope.now, completedAt: scope.now, updatedAt: scope.now,
    };
    await runWrites(tx, [
      transactions.insertTransactionWrite(release),
      ...lots.adjustLotsWrites(allocations.map((a) => a.lotStatus === 'expired'
        ? { lotId: a.lotId, remaining: -a.amount, blocked: -a.amount, expired: a.amount }
        : { lotId: a.lotId, remaining: 0, blocked: -a.amount })),
    ]);
    // Told as what happens: every blocked unit is released (the unblock events), then those of
    // lots that expired meanwhile expire at once (the expiry events), so receivers see them go.
    const before = figuresOf(ls.balance);
    let expiredUnits = 0;
    for (const a of allocations) {
      ls.balance.blocked -= a.amount;
      ls.balance.available += a.amount;
      if (a.lotStatus === 'expired') expiredUnits += a.amount;
    }
    const released = figuresOf(ls.balance);
    ls.balance.available -= expiredUnits;
    ls.balance.expired += expiredUnits;
    await saveFigures(tx, ls.balance, scope.emit.now);
    await emitBalanceChange(tx, scope.emit, {
      member: ls.snapshot, definition: ls.definition, before, after: released, created: false, reason: 'unblock',
      transactionId: release.id, transaction: { type: 'credit', value: found.amount },
      earliestExpiry: await earliestExpiry(tx, ls.balance.id), sourceEventId: null,
    });
    if (expiredUnits > 0) await emitExpiry(tx, scope.emit, ls.snapshot, ls.definition, released, figuresOf(ls.balance));
    await recalculateMemberTier(tx, scope, ls.subscription.memberId, { sourceEventId: release.id });
    return transactionView(release);
  });
}
