import { nextAnniversaryReminder, nextMonthAnniversary } from '../../domain/members/anniversaries.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { conflict } from '../../domain/problem.ts';
import { emitEvent } from '../../outbox/emit.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { Queryable } from '../../storage/db.ts';
import type { MemberRow } from '../../storage/members.ts';
import * as subscriptions from '../../storage/subscriptions.ts';
import type { SubscriptionRow } from '../../storage/subscriptions.ts';
import type { ProgramScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { assignEntryTiers } from '../tiers/recalculate.ts';

export const jobKinds = {
  monthAnniversary: 'subscription.month-anniversary',
  anniversaryReminder: 'membership.anniversary-reminder',
} as const;

/**
 * Enrols an active member: their subscription (owner of the balances), its anniversaries on the
 * schedule, and subscription_created — inside the caller's transaction.
 */
export async function enrolInTransaction(
  tx: Queryable,
  scope: ProgramScope,
  member: MemberRow,
  options: { loyaltySubscriptionId?: string; createdAt?: Date },
): Promise<{ subscription: SubscriptionRow; createdEventId: string }> {
  if (await subscriptions.findMemberSubscription(tx, scope.program.id, member.id)) {
    throw conflict('the member already belongs to an active subscription of this program');
  }
  const loyaltySubscriptionId = options.loyaltySubscriptionId ?? uuidv7(scope.now);
  // Two enrolments racing for one id: the second waits here and then sees the first.
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${scope.program.id}:subscription:${loyaltySubscriptionId}`]);
  if (await subscriptions.findSubscription(tx, scope.program.id, loyaltySubscriptionId)) {
    throw conflict('this loyaltySubscriptionId is already used in this program', '/loyaltySubscriptionId');
  }
  const subscription: SubscriptionRow = {
    id: uuidv7(scope.now),
    programId: scope.program.id,
    memberId: member.id,
    loyaltySubscriptionId,
    status: 'active',
    createdAt: options.createdAt ?? scope.now,
    revokedAt: null,
  };
  await subscriptions.insertSubscription(tx, subscription);
  await scheduleAnniversaries(tx, scope, subscription);
  const created = await emitEvent(tx, scope.emit, 'subscription_created', memberSnapshot(member, subscription), {
    created_at: subscription.createdAt.toISOString(),
    loyalty_program: scope.emit.program,
    loyalty_subscription_id: subscription.loyaltySubscriptionId,
  });
  await assignEntryTiers(tx, scope, member, subscription, created.id);
  return { subscription, createdEventId: created.id };
}

/** One due row per subscription and kind; each handler schedules its successor. */
export async function scheduleAnniversaries(tx: Queryable, scope: ProgramScope, subscription: SubscriptionRow) {
  const { timezone } = scope.program;
  const month = nextMonthAnniversary(subscription.createdAt, timezone, scope.now);
  await scheduleJob(tx, {
    programId: scope.program.id,
    kind: jobKinds.monthAnniversary,
    runAt: month.at,
    payload: { subscriptionId: subscription.id, months: month.months },
    dedupeKey: `${jobKinds.monthAnniversary}:${subscription.id}`,
    now: scope.emit.now,
  });
  const daysBefore = scope.program.settings.members.anniversaryReminderDaysBefore;
  const reminder = nextAnniversaryReminder(subscription.createdAt, timezone, daysBefore, scope.now);
  await scheduleJob(tx, {
    programId: scope.program.id,
    kind: jobKinds.anniversaryReminder,
    runAt: reminder.at,
    payload: { subscriptionId: subscription.id, years: reminder.years, daysBefore },
    dedupeKey: `${jobKinds.anniversaryReminder}:${subscription.id}`,
    now: scope.emit.now,
  });
}
