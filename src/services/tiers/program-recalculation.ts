import { uuidv7 } from '../../domain/ids.ts';
import { memberLive } from '../../domain/members/live.ts';
import { conflict, notFound } from '../../domain/problem.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { JobHandler } from '../../scheduler/scheduler.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMember } from '../../storage/members.ts';
import { memberTiers } from '../../storage/tiers/member-tiers.ts';
import * as store from '../../storage/tiers/recalculations.ts';
import type { RecalculationRow } from '../../storage/tiers/recalculations.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { momentsOf, saveMemberTier, tierJobs } from './change.ts';
import { recalculateGroup, tierHolder } from './recalculate.ts';
import { groupsWithTiers, type GroupWithTiers } from './tier-catalog.ts';

/** Members recalculated per batch transaction. */
const batchSize = 100;

export function recalculationView(r: RecalculationRow) {
  return {
    id: r.id, status: r.status, total: r.total, processed: r.processed, changed: r.changed,
    createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(), completedAt: r.completedAt?.toISOString() ?? null,
  };
}

const dedupeKey = (id: string) => `${tierJobs.recalculateProgram}:${id}`;

/**
 * An admin asks for every member's tiers to be recalculated after the rules changed: a run with
 * its progress, done in batches by the scheduler. One run at a time per program.
 */
export async function startRecalculation(ctx: ServiceContext, programId: string) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    // Two starts at once: the second waits here and then sees the first running.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${programId}:tier-recalculation`]);
    const [running] = await tx.query<{ id: string }>(
      `SELECT id FROM tier_recalculations WHERE program_id = $1 AND status = 'running' LIMIT 1`, [programId]);
    if (running) throw conflict(`recalculation ${running.id} is still running`);
    const run: RecalculationRow = {
      id: uuidv7(scope.now), programId, status: 'running', afterMemberId: null, total: await store.countEnrolledMembers(tx, programId),
      processed: 0, changed: 0, createdAt: scope.now, updatedAt: scope.now, completedAt: null,
    };
    await store.insertRecalculation(tx, run);
    await scheduleJob(tx, { programId, kind: tierJobs.recalculateProgram, runAt: scope.now, payload: { recalculationId: run.id },
      dedupeKey: dedupeKey(run.id), now: scope.emit.now });
    return recalculationView(run);
  });
}

export async function getRecalculation(ctx: ServiceContext, programId: string, id: string) {
  return ctx.db.transaction(async (tx) => {
    const run = await store.findRecalculation(tx, programId, id);
    if (!run) throw notFound('tier recalculation', id);
    return recalculationView(run);
  });
}

/**
 * One member in every group: moves them to the tier they earn (a group that never downgrades
 * keeps them up; a manual tier is kept) and reschedules their moments under the current rules.
 */
async function recalculateMember(tx: Queryable, scope: ProgramScope, groups: GroupWithTiers[], memberId: string): Promise<boolean> {
  const member = (await findMember(tx, scope.program.id, memberId))!;
  const holder = await tierHolder(tx, scope.program.id, member);
  if (!holder || !memberLive(member)) return false;
  let rows = await memberTiers(tx, scope.program.id, memberId, true);
  let changed = false;
  for (const entry of groups) {
    const row = rows.find((r) => r.groupId === entry.group.id);
    if (await recalculateGroup(tx, scope, holder, entry, row, { kind: 'program' }, null)) {
      changed = true;
      // The change may have moved the member's other groups too (a reset's follow-up, a campaign's units).
      rows = await memberTiers(tx, scope.program.id, memberId, true);
    } else if (row) {
      await saveMemberTier(tx, scope, { ...row, ...momentsOf(scope, entry.group, row, holder.subscription.createdAt), updatedAt: scope.emit.now });
    }
  }
  return changed;
}

/** One batch of a run, after its cursor; schedules the next batch at once until every member is done. */
export function recalculateProgramHandler(ctx: ServiceContext): JobHandler {
  return async (tx, job) => {
    const { recalculationId } = job.payload as { recalculationId: string };
    const run = await store.findRecalculation(tx, job.programId, recalculationId, true);
    if (!run || run.status !== 'running') return;
    const scope = await programScope(tx, ctx, job.programId, 'admin');
    const groups = await groupsWithTiers(tx, job.programId);
    const members = await store.enrolledMembersAfter(tx, job.programId, run.afterMemberId, batchSize);
    for (const memberId of members) {
      if (await recalculateMember(tx, scope, groups, memberId)) run.changed++;
    }
    run.processed += members.length;
    run.afterMemberId = members.at(-1) ?? run.afterMemberId;
    run.updatedAt = scope.now;
    // Members enrol and leave during a run: the total is what is done plus what is still ahead of
    // the cursor now, so `processed` never passes it and equals it once completed.
    const ahead = members.length < batchSize ? 0 : await store.countEnrolledMembers(tx, job.programId, run.afterMemberId);
    run.total = run.processed + ahead;
    if (ahead === 0) {
      run.status = 'completed';
      run.completedAt = scope.now;
    } else {
      await scheduleJob(tx, { programId: job.programId, kind: tierJobs.recalculateProgram, runAt: scope.now,
        payload: { recalculationId }, dedupeKey: dedupeKey(recalculationId), now: scope.emit.now });
    }
    await store.saveRecalculation(tx, run);
  };
}
