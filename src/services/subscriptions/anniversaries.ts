import { anniversaryReminderAt, monthAnniversary } from '../../domain/members/anniversaries.ts';
import { memberLive } from '../../domain/members/live.ts';
import { emitEvent } from '../../outbox/emit.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { JobHandler } from '../../scheduler/scheduler.ts';
import { findMember } from '../../storage/members.ts';
import { findSubscriptionById } from '../../storage/subscriptions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { jobKinds } from './enrol.ts';

/** The subscription of a due anniversary row, or nothing when it was revoked since. */
async function activeSubscription(tx: Parameters<JobHandler>[0], programId: string, subscriptionId: string) {
  const subscription = await findSubscriptionById(tx, programId, subscriptionId);
  if (!subscription || subscription.status !== 'active') return null;
  const owner = await findMember(tx, programId, subscription.memberId);
  return owner ? { subscription, owner } : null;
}

/**
 * subscription_month_anniversary on each monthly anniversary, and subscription_year_anniversary
 * on every twelfth; then the next month goes on the schedule.
 */
export function monthAnniversaryHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const { subscriptionId, months } = job.payload as { subscriptionId: string; months: number };
    const found = await activeSubscription(tx, job.programId, subscriptionId);
    if (!found) return;
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const fields = {
      loyalty_program: scope.emit.program,
      subscription: {
        created_at: found.subscription.createdAt.toISOString(),
        loyalty_subscription_id: found.subscription.loyaltySubscriptionId,
      },
    };
    if (memberLive(found.owner)) {
      const snapshot = memberSnapshot(found.owner, found.subscription);
      await emitEvent(tx, scope.emit, 'subscription_month_anniversary', snapshot, fields);
      if (months % 12 === 0) await emitEvent(tx, scope.emit, 'subscription_year_anniversary', snapshot, fields);
    }
    await scheduleJob(tx, {
      programId: job.programId,
      kind: jobKinds.monthAnniversary,
      runAt: monthAnniversary(found.subscription.createdAt, scope.program.timezone, months + 1),
      payload: { subscriptionId, months: months + 1 },
      dedupeKey: `${jobKinds.monthAnniversary}:${subscriptionId}`,
      now: scope.emit.now,
    });
  };
}

/** membership_anniversary_reminder N days before each yearly anniversary; then next year's. */
export function anniversaryReminderHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const { subscriptionId, years, daysBefore } = job.payload as { subscriptionId: string; years: number; daysBefore: number };
    const found = await activeSubscription(tx, job.programId, subscriptionId);
    if (!found) return;
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    if (memberLive(found.owner)) {
      await emitEvent(tx, scope.emit, 'membership_anniversary_reminder', memberSnapshot(found.owner, found.subscription), {
        loyalty_program: scope.emit.program,
        membership: { card_id: found.owner.cardId, created_at: found.subscription.createdAt.toISOString() },
        reminder: { unit: 'day', value: daysBefore },
      });
    }
    const nextDaysBefore = scope.program.settings.members.anniversaryReminderDaysBefore;
    await scheduleJob(tx, {
      programId: job.programId,
      kind: jobKinds.anniversaryReminder,
      runAt: anniversaryReminderAt(found.subscription.createdAt, scope.program.timezone, years + 1, nextDaysBefore),
      payload: { subscriptionId, years: years + 1, daysBefore: nextDaysBefore },
      dedupeKey: `${jobKinds.anniversaryReminder}:${subscriptionId}`,
      now: scope.emit.now,
    });
  };
}
