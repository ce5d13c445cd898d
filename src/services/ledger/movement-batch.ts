import { allocate } from '../../domain/ledger/allocation.ts';
import { decideMovement } from '../../domain/ledger/limits.ts';
import { roundAmount } from '../../domain/ledger/rounding.ts';
import { emitEvents, type EventToEmit } from '../../outbox/emit.ts';
import type { Queryable } from '../../storage/db.ts';
import { saveFiguresWrite, type BalanceRow } from '../../storage/ledger/balances.ts';
import type { Moment } from '../../storage/ledger/moments.ts';
import { adjustLotsWrites, insertAllocationsWrite, insertLotsWrite, lotsForMovements, type LotRow } from '../../storage/ledger/lots.ts';
import { lockMemberBalances } from '../../storage/ledger/targets.ts';
import { insertTransactionsWrite, type LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import type { Write } from '../../storage/writes.ts';
import type { ProgramScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';
import {
  addCreditToFigures, figuresOf, lotMoments, lotMomentsWrites, newCreditLot, takeDebitFromFigures, untouched,
} from './apply.ts';
import { balanceChangeEvents, refusalEvents, type UnitChangeReason } from './balance-events.ts';
import type { LedgerScope } from './ledger-scope.ts';
import { LedgerRefusal, newTransactionRow, type TransactionInput } from './movement.ts';

/** What became of one credit or debit of a batch. */
export type MovementOutcome =
  | { kind: 'completed'; transaction: LedgerTransactionRow }
  | { kind: 'refused'; refusal: LedgerRefusal }
  /** Not for this path: the caller runs it through createTransaction's own (see completeMovementBatch). */
  | { kind: 'alone' };

/** One balance as the batch moves it, shared by every request of the batch on it. */
interface BalanceInBatch {
  balance: BalanceRow;
  /** Its first spendable lots (enough for the batch's debits) and the lots the batch credited, changed in place. */
  lots: LotRow[];
  /** Loaded lots whose remaining units the batch changed, by how much (signed). */
  taken: Map<string, number>;
  earliestOtherExpiry: Date | null;
  everReversed: boolean;
}

/** Earliest expiry among the balance's remaining lots (active or pending), as saveFigures reads it after a change. */
function earliestExpiry(state: BalanceInBatch): Date | null {
  let earliest = state.earliestOtherExpiry;
  for (const lot of state.lots) {
    if (lot.remaining > 0 && lot.expiresAt && (lot.status === 'active' || lot.status === 'pending') && (!earliest || lot.expiresAt < earliest)) {
      earliest = lot.expiresAt;
    }
  }
  return earliest;
}

/**
 * Completed credits and debits (autoComplete) on members' balances of one program, many at once,
 * in the caller's one database transaction: the group commit of movement-batcher.ts. They are
 * decided and applied one after the other, in the order given, with the same rules, rows and
 * events as createInScope and completeMovement; only the statements are shared: the balances
 * are locked in one (in the ledger's lock order), their lots read in one, and everything written
 * in one, events included — however many requests the batch holds.
 * A request whose member, active subscription, definition or balance is not there yet, or whose
 * definition has velocity limits, or any request of a program with real-time tier groups, comes
 * back 'alone': those need reads per request, which createTransaction's own path makes.
 */
export async function completeMovementBatch(tx: Queryable, scope: ProgramScope, inputs: readonly TransactionInput[]): Promise<MovementOutcome[]> {
  if (scope.hasRealtimeTierGroups) return inputs.map(() => ({ kind: 'alone' }));
  const targets = await lockMemberBalances(tx, scope.program.id,
    inputs.map((input) => ({ memberId: input.memberId!, definitionId: input.balanceDefinitionId ?? null })));
  const balances = new Map<string, BalanceInBatch>();
  const scopes = targets.map(({ member, subscription, definition, balance }): LedgerScope | null => {
    if (!member || !subscription || !definition || !balance || definition.velocityLimits.length > 0) return null;
    if (!balances.has(balance.id)) {
      balances.set(balance.id, { balance, lots: [], taken: new Map(), earliestOtherExpiry: null, everReversed: false });
    }
    // Two members of one subscription share its balance: one row for both, each with their own snapshot.
    const shared = balances.get(balance.id)!.balance;
    return { scope, member, snapshot: memberSnapshot(member, subscription), subscription, definition, balance: shared, created: false };
  });

  // Enough spendable lots for every debit the batch holds on a balance (rounded as decideDebit rounds).
  const needed = new Map<string, number>();
  inputs.forEach((input, n) => {
    const ls = scopes[n];
    if (ls && input.kind === 'debit') {
      needed.set(ls.balance.id, (needed.get(ls.balance.id) ?? 0) + Math.max(0, roundAmount(input.amount, ls.definition.debitRounding)));
    }
  });
  const loaded = balances.size === 0 ? new Map() : await lotsForMovements(tx, [...balances.values()].map(({ balance }) => ({
    balanceId: balance.id, needed: needed.get(balance.id) ?? 0, untouched: untouched(balance),
  })));
  for (const [id, state] of balances) {
    const found = loaded.get(id)!;
    state.lots.push(...found.spendable);
    state.earliestOtherExpiry = found.earliestOtherExpiry;
    state.everReversed = found.everReversed;
  }

  const outcomes: MovementOutcome[] = [];
  const events: EventToEmit[] = [];
  const rows: LedgerTransactionRow[] = [];
  const newLots: LotRow[] = [];
  const credited = new Set<string>();
  const allocations: { transactionId: string; lotId: string; amount: number }[] = [];
  const moments: Moment[] = [];
  const changed = new Set<BalanceInBatch>();
  inputs.forEach((input, n) => {
    const ls = scopes[n];
    if (!ls) {
      outcomes.push({ kind: 'alone' });
      return;
    }
    const state = balances.get(ls.balance.id)!;
    const transaction = { type: input.kind, value: input.amount };
    const decision = decideMovement(ls.member.status === 'active', ls.definition, ls.balance, input.kind, input.amount);
    if (!decision.ok) {
      events.push(...refusalEvents(scope.emit, ls.snapshot, ls.definition, decision.refusal, transaction, ls.balance.available));
      outcomes.push({ kind: 'refused', refusal: new LedgerRefusal(decision.refusal) });
      return;
    }
    const t = newTransactionRow(ls, input, decision.amount);
    const before = figuresOf(ls.balance);
    if (t.kind === 'credit') {
      const lot = newCreditLot(ls, t, t.reason);
      state.lots.push(lot);
      newLots.push(lot);
      credited.add(lot.id);
      moments.push(...lotMoments(ls, lot));
      addCreditToFigures(ls.balance, lot);
    } else {
      const taken = allocate(state.lots.filter((lot) => lot.status === 'active'), t.amount);
      // The figures said enough was available; lots saying otherwise would be a broken ledger.
      if (!taken) throw new Error(`balance ${ls.balance.id}: lots do not cover ${t.amount} although available is ${before.available}`);
      for (const a of taken) {
        const lot = state.lots.find((l) => l.id === a.lotId)!;
        lot.remaining -= a.amount;
        // A lot credited in this batch is inserted as it ends up; a loaded one is changed by its difference.
        if (!credited.has(lot.id)) state.taken.set(lot.id, (state.taken.get(lot.id) ?? 0) - a.amount);
        allocations.push({ transactionId: t.id, lotId: a.lotId, amount: a.amount });
      }
      takeDebitFromFigures(ls.balance, t.amount);
    }
    rows.push(t);
    changed.add(state);
    events.push(...balanceChangeEvents(scope.emit, {
      member: ls.snapshot,
      definition: ls.definition,
      before,
      after: figuresOf(ls.balance),
      created: untouched(before) && !state.everReversed,
      reason: t.reason as UnitChangeReason,
      transactionId: t.id,
      transaction: { type: t.kind === 'credit' ? 'credit' : 'debit', value: t.amount },
      earliestExpiry: earliestExpiry(state),
      sourceEventId: input.sourceEventId ?? null,
      maximumReached: decision.maximumReached,
    }));
    outcomes.push({ kind: 'completed', transaction: t });
  });

  const writes: Write[] = [
    ...(rows.length > 0 ? [insertTransactionsWrite(rows)] : []),
    ...(newLots.length > 0 ? [insertLotsWrite(newLots)] : []),
    ...adjustLotsWrites([...changed].flatMap((state) => [...state.taken].map(([lotId, remaining]) => ({ lotId, remaining, blocked: 0 })))),
    ...insertAllocationsWrite(scope.program.id, allocations),
    ...saveFiguresWrite([...changed].map((state) => state.balance), scope.emit.now),
    ...lotMomentsWrites(scope, moments),
  ];
  // One statement for the writes and the events, numbered by it: it is the batch's last, so the
  // program's counter row is held only until the commit.
  await emitEvents(tx, scope.emit, events, { numberNow: true, alsoWrite: writes });
  return outcomes;
}
