import { conflict, notFound } from '../../domain/problem.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { JobHandler } from '../../scheduler/scheduler.ts';
import type { Queryable } from '../../storage/db.ts';
import { lockBalanceById, saveFigures } from '../../storage/ledger/balances.ts';
import { findDefinition } from '../../storage/ledger/definitions.ts';
import { findLot } from '../../storage/ledger/lots.ts';
import * as sweeps from '../../storage/ledger/sweeps.ts';
import { findMember } from '../../storage/members.ts';
import { findSubscriptionById } from '../../storage/subscriptions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { earliestExpiry, figuresOf, firstValueChange, ledgerJobs } from './apply.ts';
import { emitBalanceChange, emitExpiry, emitExpiryReminder } from './balance-events.ts';
import { endPendingTransaction } from './transactions.ts';
import { lotView } from './views.ts';

/** Balances handled per sweep transaction; a sweep with more due comes straight back. */
const sweepBatch = 500;

async function ownerOf(tx: Queryable, scope: ProgramScope, subscriptionId: string) {
  const subscription = (await findSubscriptionById(tx, scope.program.id, subscriptionId))!;
  const owner = (await findMember(tx, scope.program.id, subscription.memberId))!;
  return { subscription, owner, snapshot: memberSnapshot(owner, subscription) };
}

async function expireBalance(tx: Queryable, scope: ProgramScope, due: sweeps.DueBalance, lotId: string | null) {
  const balance = await lockBalanceById(tx, scope.program.id, due.balanceId);
  const units = await sweeps.expireDueLots(tx, balance.id, scope.now, lotId);
  if (units === 0) return;
  const before = figuresOf(balance);
  balance.available -= units;
  balance.expired += units;
  await saveFigures(tx, balance, scope.emit.now);
  const definition = (await findDefinition(tx, scope.program.id, due.definitionId))!;
  const { snapshot } = await ownerOf(tx, scope, due.subscriptionId);
  await emitExpiry(tx, scope.emit, snapshot, definition, before, figuresOf(balance));
}

async function activateBalance(tx: Queryable, scope: ProgramScope, due: sweeps.DueBalance, lotId: string | null) {
  const balance = await lockBalanceById(tx, scope.program.id, due.balanceId);
  const units = await sweeps.activateDueLots(tx, balance.id, scope.now, lotId);
  if (units === 0) return;
  const before = figuresOf(balance);
  balance.pending -= units;
  balance.available += units;
  await saveFigures(tx, balance, scope.emit.now);
  const definition = (await findDefinition(tx, scope.program.id, due.definitionId))!;
  const { snapshot } = await ownerOf(tx, scope, due.subscriptionId);
  await emitBalanceChange(tx, scope.emit, {
    member: snapshot, definition, before, after: figuresOf(balance), created: await firstValueChange(tx, balance.id, before),
    reason: 'activate', transactionId: null,
    transaction: { type: 'credit', value: units }, earliestExpiry: await earliestExpiry(tx, balance.id), sourceEventId: null,
  });
}

/** A sweep that found a full batch comes back at once for the rest. */
async function comeBack(tx: Queryable, scope: ProgramScope, kind: string, dedupeKey: string) {
  await scheduleJob(tx, { programId: scope.program.id, kind, runAt: scope.now, payload: {}, dedupeKey: `${dedupeKey}:more`, now: scope.emit.now });
}

/** Expires every lot of the program due by now, balance by balance, with their events. */
export function expireLotsHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const due = await sweeps.balancesWithExpiredLots(tx, job.programId, scope.now, sweepBatch);
    for (const balance of due) await expireBalance(tx, scope, balance, null);
    if (due.length === sweepBatch) await comeBack(tx, scope, ledgerJobs.expireLots, ledgerJobs.expireLots);
  };
}

/** Makes every pending lot of the program due by now available, with their events. */
export function activateLotsHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const due = await sweeps.balancesWithDuePendingLots(tx, job.programId, scope.now, sweepBatch);
    for (const balance of due) await activateBalance(tx, scope, balance, null);
    if (due.length === sweepBatch) await comeBack(tx, scope, ledgerJobs.activateLots, ledgerJobs.activateLots);
  };
}

/** N days before a moment when lots expire: one reminder per balance with the units at stake. */
export function remindLotsHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const { definitionId, expiresAt, daysBefore } = job.payload as { definitionId: string; expiresAt: string; daysBefore: number };
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const definition = await findDefinition(tx, job.programId, definitionId);
    if (!definition) return;
    for (const due of await sweeps.unitsExpiringAt(tx, job.programId, definitionId, new Date(expiresAt))) {
      const { subscription, owner, snapshot } = await ownerOf(tx, scope, due.subscriptionId);
      if (subscription.status !== 'active') continue;
      await emitExpiryReminder(tx, scope.emit, snapshot, definition, {
        amount: due.units, expiresAt: new Date(expiresAt), daysBefore, cardId: owner.cardId,
        membershipCreatedAt: subscription.createdAt, now: scope.now,
      });
    }
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
    await expireBalance(tx, scope, due, lotId);
  });
}

/** An admin makes a pending lot available now, before its time. */
export async function activateLotNow(ctx: ServiceContext, programId: string, lotId: string, source = 'api') {
  return oneLot(ctx, programId, lotId, source, async (tx, scope, due) => {
    const lot = (await findLot(tx, programId, lotId))!;
    if (lot.status !== 'pending') throw conflict(`only a pending lot can be activated; this one is ${lot.status}`);
    await activateBalance(tx, scope, due, lotId);
  });
}
