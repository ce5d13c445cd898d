import { uuidv7 } from '../domain/ids.ts';
import type { Queryable } from '../storage/db.ts';
import { deleteJobByDedupeKey, insertJob } from '../storage/scheduled-jobs.ts';

/**
 * Puts a moment in time on the schedule, inside the caller's transaction, so a change and its
 * future consequences commit together. `runAt` is in the program's clock.
 */
export async function scheduleJob(
  tx: Queryable,
  job: {
    programId: string;
    kind: string;
    runAt: Date;
    payload?: Record<string, unknown>;
    dedupeKey?: string;
    now: Date;
  },
): Promise<void> {
  await insertJob(tx, {
    id: uuidv7(job.now),
    programId: job.programId,
    kind: job.kind,
    runAt: job.runAt,
    payload: job.payload ?? {},
    dedupeKey: job.dedupeKey ?? null,
    createdAt: job.now,
  });
}

export const unscheduleJob = deleteJobByDedupeKey;
