import type { Queryable } from './db.ts';

export interface ScheduledJob {
  id: string;
  programId: string;
  kind: string;
  runAt: Date;
  payload: Record<string, unknown>;
  attempts: number;
}

const columns = `j.id, j.program_id AS "programId", j.kind, j.run_at AS "runAt", j.payload, j.attempts`;

/**
 * Inserts a job; with a dedupe key an earlier pending job of the same key is replaced. The
 * replacement takes the new id, so a handler that reschedules its own key is not deleted by the
 * scheduler finishing the claimed (old) id.
 */
export async function insertJob(
  tx: Queryable,
  job: Omit<ScheduledJob, 'attempts'> & { dedupeKey?: string | null; createdAt: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO scheduled_jobs (id, program_id, kind, run_at, payload, dedupe_key, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (program_id, dedupe_key) WHERE dedupe_key IS NOT NULL
     DO UPDATE SET id = EXCLUDED.id, run_at = EXCLUDED.run_at, payload = EXCLUDED.payload, kind = EXCLUDED.kind,
                   attempts = 0, last_error = NULL`,
    [job.id, job.programId, job.kind, job.runAt, JSON.stringify(job.payload), job.dedupeKey ?? null, job.createdAt],
  );
}

export async function deleteJobByDedupeKey(tx: Queryable, programId: string, dedupeKey: string): Promise<void> {
  await tx.query(`DELETE FROM scheduled_jobs WHERE program_id = $1 AND dedupe_key = $2`, [programId, dedupeKey]);
}

/**
 * Claims the most overdue job of any program, judged by each program's own clock (instance
 * time + the program's sandbox offset). Walks programs, not jobs: each program's lookup is one
 * probe of the (program_id, run_at) index, reading its first few due jobs without locking them.
 * Only the one job claimed is locked: locking every program's first candidate would make other
 * schedulers skip those and run later jobs of the same programs first.
 */
export async function claimDueJob(tx: Queryable, instanceNow: Date): Promise<ScheduledJob | undefined> {
  const rows = await tx.query<ScheduledJob>(
    `SELECT ${columns} FROM scheduled_jobs j
     WHERE j.id IN (
       SELECT due.id FROM programs p
       CROSS JOIN LATERAL (
         SELECT f.id FROM scheduled_jobs f
         WHERE f.program_id = p.id
           AND f.run_at <= $1::timestamptz + p.clock_offset_ms * interval '1 millisecond'
         ORDER BY f.run_at
         LIMIT ${candidatesPerProgram}
       ) due
     )
     ORDER BY j.run_at
     LIMIT 1
     FOR UPDATE SKIP LOCKED`,
    [instanceNow],
  );
  return rows[0];
}

/** How many schedulers can work on one program's due jobs at once. */
const candidatesPerProgram = 8;

/** The next job of one program due at or before `until` (program time), for sandbox play. */
export async function claimProgramJobUntil(tx: Queryable, programId: string, until: Date) {
  const rows = await tx.query<ScheduledJob>(
    `SELECT ${columns} FROM scheduled_jobs j
     WHERE j.program_id = $1 AND j.run_at <= $2
     ORDER BY j.run_at, j.id
     LIMIT 1
     FOR UPDATE SKIP LOCKED`,
    [programId, until],
  );
  return rows[0];
}

export async function deleteJob(tx: Queryable, id: string): Promise<void> {
  await tx.query(`DELETE FROM scheduled_jobs WHERE id = $1`, [id]);
}

export async function postponeFailedJob(tx: Queryable, id: string, runAt: Date, error: string): Promise<void> {
  await tx.query(
    `UPDATE scheduled_jobs SET attempts = attempts + 1, run_at = $2, last_error = $3 WHERE id = $1`,
    [id, runAt, error.slice(0, 2000)],
  );
}

export async function countJobs(tx: Queryable, programId: string) {
  const rows = await tx.query<{ kind: string; count: number; nextRunAt: Date }>(
    `SELECT kind, count(*)::int AS count, min(run_at) AS "nextRunAt" FROM scheduled_jobs
     WHERE program_id = $1 GROUP BY kind ORDER BY kind`,
    [programId],
  );
  return rows;
}
