import { conflict, notFound } from '../../domain/problem.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { JobHandler } from '../../scheduler/scheduler.ts';
import type { Queryable } from '../../storage/db.ts';
import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import type { MemberSnapshot } from '../../events/context.ts';
import { emitEvents, prepareEvents, writeEvents, type EventToEmit } from '../../outbox/emit.ts';
import { lockBalanceById, lockBalancesById, saveFigures, saveFiguresOf } from '../../storage/ledger/balances.ts';
import { findDefinition } from '../../storage/ledger/definitions.ts';
import { findLot } from '../../storage/ledger/lots.ts';
import * as sweeps from '../../storage/ledger/sweeps.ts';
import type { MemberRow } from '../../storage/members.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { recalculateMemberTier, recalculateMembersTiers } from '../tiers/recalculate.ts';
import { figuresOf, firstValueChange, ledgerJobs } from './apply.ts';
import { balanceChangeEvents, expiryEvents, expiryReminderEvents } from './balance-events.ts';
import { endPendingTransaction } from './transactions.ts';
import { lotView } from './views.ts';

/**
 * Due lots taken per sweep transaction (with every other due lot of their balances); a sweep
 * that took a full batch comes straight back. The expiry sweep handles a batch with a few
 * statements whatever its size (activation still goes balance by balance, hence its smaller
 * batch); a transaction stays short enough not to hold balances for long.
 */
const sweepLots = { expire: 10_000, activate: 500 } as const;
/** Events written per statement by a sweep: bounds one statement's size (bodies are ~1 kB). */
const eventsPerStatement = 1000;

type Owner = { subscription: { status: 'active' | 'revoked'; createdAt: Date }; cardId: string | null; snapshot: MemberSnapshot };

/** The owners of some subscriptions, with the snapshot events carry, in one query. */
async function ownersOf(tx: Queryable, scope: ProgramScope, subscriptionIds: string[]): Promise<Map<string, Owner>> {
  const rows = await sweeps.ownersOf(tx, scope.program.id, [...new Set(subscriptionIds)]);
  return new Map(rows.map((row) => [row.subscriptionId, {
    subscription: { status: row.subscriptionStatus, createdAt: row.subscriptionCreatedAt },
    cardId: row.cardId,
    // The row carries every member field a snapshot is made of, under the member's names.
    snapshot: memberSnapshot(row as unknown as MemberRow, row),
  }]));
}

/** The definitions some balances belong to (a program has few). */
async function definitionsOf(tx: Queryable, scope: ProgramScope, ids: string[]) {
  const found = new Map<string, BalanceDefinition>();
  for (const id of new Set(ids)) found.set(id, (await findDefinition(tx, scope.program.id, id))!);
  return found;
}

/** Writes a sweep's events, numbered at once, a statement per batch; each batch is built while the previous one is written. */
async function emitInBatches(tx: Queryable, scope: ProgramScope, events: EventToEmit[]) {
  let writing: Promise<unknown> = Promise.resolve();
  for (let at = 0; at < events.length; at += eventsPerStatement) {
    const prepared = prepareEvents(scope.emit, events.slice(at, at + eventsPerStatement));
    await writing;
    writing = writeEvents(tx, scope.emit, prepared, { numberNow: true });
  }
  await writing;
}

/**
 * Expires the due lots of some balances (or the one lot `lotId`) set-based: the balances locked
 * in lock order, their lots expired and their figures written with one statement each, then
 * their events (per balance, in lock order, as emitExpiry orders them) in a few multi-row inserts.
 */
async function expireBalances(tx: Queryable, scope: ProgramScope, due: sweeps.DueBalance[], lotId: string | null) {
  const locked = await lockBalancesById(tx, scope.program.id, due.map((d) => d.balanceId));
  const expired = new Map((await sweeps.expireDueLots(tx, locked.map((b) => b.id), scope.now, lotId)).map((e) => [e.balanceId, e.units]));
  const changed = locked.filter((b) => expired.has(b.id));
  if (changed.length === 0) return;
  const before = changed.map(figuresOf);
  for (const balance of changed) {
    const units = expired.get(balance.id)!;
    balance.available -= units;
    balance.expired += units;
  }
  await saveFiguresOf(tx, changed, scope.emit.now);
  const definitions = await definitionsOf(tx, scope, changed.map((b) => b.definitionId));
  const owners = await ownersOf(tx, scope, changed.map((b) => b.subscriptionId));
  await emitInBatches(tx, scope, changed.flatMap((balance, n) => expiryEvents(
    scope.emit, owners.get(balance.subscriptionId)!.snapshot, definitions.get(balance.definitionId)!, before[n], figuresOf(balance))));
  await recalculateMembersTiers(tx, scope, [...owners.values()].map((o) => o.snapshot.id), { sourceEventId: null });
}

/** Activates a balance's due pending lots; returns their events and the balance's owner (null: nothing activated). */
async function activateBalance(
  tx: Queryable, scope: ProgramScope, due: sweeps.DueBalance, lotId: string | null,
): Promise<{ events: EventToEmit[]; ownerId: string | null }> {
  const balance = await lockBalanceById(tx, scope.program.id, due.balanceId);
  const units = await sweeps.activateDueLots(tx, balance.id, scope.now, lotId);
  if (units === 0) return { events: [], ownerId: null };
  const before = figuresOf(balance);
  balance.pending -= units;
  balance.available += units;
  const expiry = await saveFigures(tx, balance, scope.emit.now);
  const definition = (await findDefinition(tx, scope.program.id, due.definitionId))!;
  const { snapshot } = (await ownersOf(tx, scope, [due.subscriptionId])).get(due.subscriptionId)!;
  const events = balanceChangeEvents(scope.emit, {
    member: snapshot, definition, before, after: figuresOf(balance), created: await firstValueChange(tx, balance.id, before),
    reason: 'activate', transactionId: null,
    transaction: { type: 'credit', value: units }, earliestExpiry: expiry, sourceEventId: null,
  });
  return { events, ownerId: snapshot.id };
}

/** A sweep that found a full batch comes back at once for the rest. */
async function comeBack(tx: Queryable, scope: ProgramScope, kind: string, dedupeKey: string) {
  await scheduleJob(tx, { programId: scope.program.id, kind, runAt: scope.now, payload: {}, dedupeKey: `${dedupeKey}:more`, now: scope.emit.now });
}

/** Expires every lot of the program due by now, a batch of balances at a time, with their events. */
export function expireLotsHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const due = await sweeps.dueBalances(tx, 'expire', job.programId, scope.now, sweepLots.expire);
    if (due.balances.length > 0) await expireBalances(tx, scope, due.balances, null);
    if (due.more) await comeBack(tx, scope, ledgerJobs.expireLots, ledgerJobs.expireLots);
  };
}

/** Makes every pending lot of the program due by now available, with their events. */
export function activateLotsHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const due = await sweeps.dueBalances(tx, 'activate', job.programId, scope.now, sweepLots.activate);
    const events: EventToEmit[] = [];
    const owners: string[] = [];
    for (const balance of due.balances) {
      const activated = await activateBalance(tx, scope, balance, null);
      events.push(...activated.events);
      if (activated.ownerId) owners.push(activated.ownerId);
    }
    await emitInBatches(tx, scope, events);
    await recalculateMembersTiers(tx, scope, owners, { sourceEventId: null });
    if (due.more) await comeBack(tx, scope, ledgerJobs.activateLots, ledgerJobs.activateLots);
  };
}

/** N days before a moment when lots expire: one reminder per balance with the units at stake. */
export function remindLotsHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const { definitionId, expiresAt, daysBefore } = job.payload as { definitionId: string; expiresAt: string; daysBefore: number };
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const definition = await findDefinition(tx, job.programId, definitionId);
    if (!definition) return;
    const due = await sweeps.unitsExpiringAt(tx, job.programId, definitionId, new Date(expiresAt));
    const owners = await ownersOf(tx, scope, due.map((d) => d.subscriptionId));
    const events: EventToEmit[] = [];
    for (const balance of due) {
      const { subscription, cardId, snapshot } = owners.get(balance.subscriptionId)!;
      if (subscription.status !== 'active') continue;
      events.push(...expiryReminderEvents(scope.emit, snapshot, definition, {
        amount: balance.units, expiresAt: new Date(expiresAt), daysBefore, cardId,
        membershipCreatedAt: subscription.createdAt, now: scope.now,
      }));
    }
    await emitInBatches(tx, scope, events);
  };
}

/** A pending transaction whose time-to-live ran out expires (balance_transaction_unauthorized). */
export function pendingTimeoutHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    await endPendingTransaction(tx, scope, (job.payload as { transactionId: string }).transactionId, 'expired');
  };
}

async function oneLot(ctx: ServiceContext, programId: string, lotId: string, source: string,
  act: (tx: Queryable, scope: ProgramScope, due: sweeps.DueBalance) => Promise<void>) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const lot = await findLot(tx, programId, lotId);
    if (!lot) throw notFound('lot', lotId);
    const [balance] = await tx.query<{ definitionId: string; subscriptionId: string }>(
      `SELECT definition_id AS "definitionId", subscription_id AS "subscriptionId" FROM balances WHERE id = $1`, [lot.balanceId]);
    await act(tx, scope, { balanceId: lot.balanceId, ...balance });
    return lotView((await findLot(tx, programId, lotId))!);
  });
}

/** An admin expires a lot before its time (its free units; blocked ones follow their block). */
export async function expireLotNow(ctx: ServiceContext, programId: string, lotId: string, source = 'api') {
  return oneLot(ctx, programId, lotId, source, async (tx, scope, due) => {
    const lot = (await findLot(tx, programId, lotId))!;
    if (lot.status !== 'active') throw conflict(`only an active lot can be expired; this one is ${lot.status}`);
    await expireBalances(tx, scope, [due], lotId);
  });
}

/** An admin makes a pending lot available now, before its time. */
export async function activateLotNow(ctx: ServiceContext, programId: string, lotId: string, source = 'api') {
  return oneLot(ctx, programId, lotId, source, async (tx, scope, due) => {
    const lot = (await findLot(tx, programId, lotId))!;
    if (lot.status !== 'pending') throw conflict(`only a pending lot can be activated; this one is ${lot.status}`);
    const { events, ownerId } = await activateBalance(tx, scope, due, lotId);
    await emitEvents(tx, scope.emit, events);
    if (ownerId) await recalculateMemberTier(tx, scope, ownerId, { sourceEventId: null });
  });
}
