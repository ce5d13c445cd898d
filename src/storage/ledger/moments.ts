import type { Write } from '../writes.ts';

export interface Moment {
  id: string;
  kind: string;
  /** In the program's clock. */
  runAt: Date;
  payload: Record<string, unknown>;
  dedupeKey: string;
}

/**
 * Puts the ledger's moments (jobs with a dedupe key) on the schedule in one statement, like
 * scheduleJob (a pending job of the same key is replaced), except that a job already waiting with
 * the same kind, time and payload, untried, and due after `settledAfter`, is left alone: every
 * credit of a program shares the same expiry moment, and rewriting that row would lock it until
 * the credit commits, serialising the program's credits on it. Left alone, it is not locked.
 * `settledAfter` keeps the shortcut away from a job that could be claimed before this transaction
 * commits (the scheduler would then run it without seeing this transaction's lots).
 */
export function scheduleMomentsWrites(programId: string, moments: Moment[], now: Date, settledAfter: Date): Write[] {
  if (moments.length === 0) return [];
  return [{
    sql: `INSERT INTO scheduled_jobs (id, program_id, kind, run_at, payload, dedupe_key, created_at)
     SELECT j.id, $1, j.kind, j.run_at, j.payload, j.dedupe_key, $2
     FROM unnest($3::uuid[], $4::text[], $5::timestamptz[], $6::jsonb[], $7::text[]) AS j (id, kind, run_at, payload, dedupe_key)
     WHERE NOT EXISTS (
       SELECT 1 FROM scheduled_jobs s
       WHERE s.program_id = $1 AND s.dedupe_key = j.dedupe_key AND s.kind = j.kind AND s.run_at = j.run_at
         AND s.payload = j.payload AND s.attempts = 0 AND s.run_at > $8
     )
     ON CONFLICT (program_id, dedupe_key) WHERE dedupe_key IS NOT NULL
     DO UPDATE SET id = EXCLUDED.id, run_at = EXCLUDED.run_at, payload = EXCLUDED.payload, kind = EXCLUDED.kind,
                   attempts = 0, last_error = NULL`,
    params: [programId, now, moments.map((m) => m.id), moments.map((m) => m.kind), moments.map((m) => m.runAt),
      moments.map((m) => JSON.stringify(m.payload)), moments.map((m) => m.dedupeKey), settledAfter],
  }];
}

