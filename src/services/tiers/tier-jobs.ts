import { anniversaryReminderAt, monthAnniversary, nextAnniversaryReminder, nextMonthAnniversary } from '../../domain/members/anniversaries.ts';
import { memberLive } from '../../domain/members/live.ts';
import { daysBetween } from '../../domain/tiers/moments.ts';
import type { MemberTier } from '../../domain/tiers/tier-group.ts';
import { emitEvent } from '../../outbox/emit.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { JobHandler } from '../../scheduler/scheduler.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMember } from '../../storage/members.ts';
import { dueMemberTiers, upsertMemberTier, type DueKind } from '../../storage/tiers/member-tiers.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { momentsOf, saveMemberTier, tierJobs, type TierHolder } from './change.ts';
import { memberTier, recalculateGroup, tierHolder } from './recalculate.ts';
import { groupRef, groupsWithTiers, tierRef, type GroupWithTiers } from './tier-catalog.ts';

/** Member tiers handled per kind of moment in one sweep transaction; a sweep with more due comes straight back. */
const sweepBatch = 200;

interface Due {
  tx: Queryable;
  scope: ProgramScope;
  row: MemberTier;
  holder: TierHolder;
  entry: GroupWithTiers;
}

const changed = (row: MemberTier, changes: Partial<MemberTier>, scope: ProgramScope): MemberTier =>
  ({ ...row, ...changes, updatedAt: scope.emit.now });

/** tier_association_month_anniversary, and every twelfth month tier_association_year_anniversary; then the next month. */
async function monthAnniversaryDue({ tx, scope, row, holder, entry }: Due) {
  const tier = entry.tiers.find((t) => t.id === row.tierId)!;
  const { months } = nextMonthAnniversary(row.attributedAt, scope.program.timezone, new Date(row.monthAnniversaryAt!.getTime() - 1));
  const fields = { created_at: row.attributedAt.toISOString(), loyalty_program: scope.emit.program, tier: tierRef(tier), tier_group: groupRef(entry.group) };
  await emitEvent(tx, scope.emit, 'tier_association_month_anniversary', holder.snapshot, fields);
  if (months % 12 === 0) await emitEvent(tx, scope.emit, 'tier_association_year_anniversary', holder.snapshot, fields);
  await saveMemberTier(tx, scope, changed(row, { monthAnniversaryAt: monthAnniversary(row.attributedAt, scope.program.timezone, months + 1) }, scope));
}

/**
 * tier_anniversary_reminder N days before the tier's yearly anniversary; then next year's, N from
 * the settings now. The reminder reports the offset it was scheduled at (the settings may have changed since).
 */
async function tierReminderDue({ tx, scope, row, holder, entry }: Due) {
  const tier = entry.tiers.find((t) => t.id === row.tierId)!;
  const days = entry.group.anniversaryReminderDaysBefore ?? scope.program.settings.expiringNotifications.tiersDaysBefore;
  const { timezone } = scope.program;
  // The anniversary it announces: the first after it (a reminder is at most 365 days before).
  const anniversary = nextAnniversaryReminder(row.attributedAt, timezone, 0, row.tierReminderAt!);
  await emitEvent(tx, scope.emit, 'tier_anniversary_reminder', holder.snapshot, {
    attributed_at: row.attributedAt.toISOString(),
    loyalty_program: scope.emit.program,
    membership: { card_id: holder.member.cardId, created_at: holder.subscription.createdAt.toISOString() },
    reminder: { unit: 'day', value: daysBetween(row.tierReminderAt!, anniversary.at, timezone) },
    tier: tierRef(tier),
    tier_group: groupRef(entry.group),
  });
  const next = days > 0 ? anniversaryReminderAt(row.attributedAt, timezone, anniversary.years + 1, days) : null;
  await saveMemberTier(tx, scope, changed(row, { tierReminderAt: next }, scope));
}

/**
 * LevelWillExpire N days before a recalculation that may take the member's tier down (above the
 * default, not manual). N is the offset it was scheduled at: a change of the setting applies to
 * the reminders scheduled from then on (each recalculation, or a program recalculation, reschedules).
 */
async function reviewReminderDue({ tx, scope, row, holder, entry }: Due) {
  const tier = entry.tiers.find((t) => t.id === row.tierId)!;
  if (!row.manual && !tier.isDefault && row.reviewAt) {
    await emitEvent(tx, scope.emit, 'LevelWillExpire', holder.snapshot, {
      tierSetId: entry.group.id, tierSetName: entry.group.name, levelId: tier.id, levelName: tier.name,
      recalculatesAt: row.reviewAt.toISOString(), daysBefore: daysBetween(row.reviewReminderAt!, row.reviewAt, scope.program.timezone),
    });
  }
  await upsertMemberTier(tx, changed(row, { reviewReminderAt: null }, scope));
}

/** A scheduled recalculation: moves the member as the strategies due at this moment allow, then schedules the next. */
async function reviewDue({ tx, scope, row, holder, entry }: Due) {
  const occasion = { kind: 'moment' as const, at: row.reviewAt!, joinedAt: holder.subscription.createdAt, attributedAt: row.attributedAt };
  if (await recalculateGroup(tx, scope, holder, entry, row, occasion, null)) return;
  const { reviewAt, reviewReminderAt } = momentsOf(scope, entry.group, row, holder.subscription.createdAt);
  await saveMemberTier(tx, scope, changed(row, { reviewAt, reviewReminderAt }, scope));
}

/** In the order they happen at one moment: anniversaries and reminders of the tier held, then the recalculation. */
const handlers: Array<[DueKind, (due: Due) => Promise<void>]> = [
  ['monthAnniversary', monthAnniversaryDue],
  ['tierReminder', tierReminderDue],
  ['reviewReminder', reviewReminderDue],
  ['review', reviewDue],
];

/** A member tier whose subscription was revoked keeps its tier but has no more moments. */
const retired = (row: MemberTier, scope: ProgramScope) =>
  changed(row, { reviewAt: null, reviewReminderAt: null, tierReminderAt: null, monthAnniversaryAt: null }, scope);

/**
 * A member who is not active keeps their tier, and its calendar runs on without them: the moments
 * due now pass silently (no event, no move, no reset) and the next ones are scheduled, so that
 * after a reactivation the calendar goes on from the next moment due — nothing skipped is caught up.
 */
const paused = (row: MemberTier, holder: TierHolder, entry: GroupWithTiers, scope: ProgramScope) =>
  changed(row, momentsOf(scope, entry.group, row, holder.subscription.createdAt), scope);

/** Every member tier moment of the program due by now, kind by kind, in batches. */
export function tierMomentsHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const scope = await programScope(tx, ctx, job.programId, 'scheduler');
    const groups = await groupsWithTiers(tx, job.programId);
    let more = false;
    for (const [kind, handle] of handlers) {
      const due = await dueMemberTiers(tx, job.programId, kind, scope.now, sweepBatch);
      more ||= due.length === sweepBatch;
      const seen = new Set<string>();
      for (const read of due) {
        // An earlier row of the member may have moved this one (a reset's follow-up): read it again, and skip it if no longer due.
        const row = seen.has(read.memberId) ? await memberTier(tx, job.programId, read.memberId, read.groupId) : read;
        seen.add(read.memberId);
        const at = row?.[`${kind}At`];
        if (!row || !at || at > scope.now) continue;
        const entry = groups.find((g) => g.group.id === row.groupId)!;
        const member = (await findMember(tx, job.programId, row.memberId))!;
        const holder = await tierHolder(tx, job.programId, member);
        if (!holder) await upsertMemberTier(tx, retired(row, scope));
        else if (!memberLive(member)) await saveMemberTier(tx, scope, paused(row, holder, entry, scope));
        else await handle({ tx, scope, row, holder, entry });
      }
    }
    if (more) {
      await scheduleJob(tx, { programId: job.programId, kind: tierJobs.due, runAt: scope.now, payload: {},
        dedupeKey: `${tierJobs.due}:more`, now: scope.emit.now });
    }
  };
}
