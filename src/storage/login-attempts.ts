import type { Queryable } from './db.ts';

/**
 * Counts one login attempt of a client in the program's current one-minute window (a window
 * older than a minute starts again at this attempt) and returns the attempts in the window.
 * Windows idle for an hour are removed on the way.
 */
export async function countLoginAttempt(tx: Queryable, programId: string, client: string, now: Date): Promise<number> {
  await tx.query(`DELETE FROM login_attempts WHERE program_id = $1 AND window_start < $2`,
    [programId, new Date(now.getTime() - 3_600_000)]);
  const [row] = await tx.query<{ attempts: number }>(
    `INSERT INTO login_attempts (program_id, client, window_start, attempts) VALUES ($1, $2, $3, 1)
     ON CONFLICT (program_id, client) DO UPDATE SET
       window_start = CASE WHEN login_attempts.window_start <= $4 THEN EXCLUDED.window_start ELSE login_attempts.window_start END,
       attempts = CASE WHEN login_attempts.window_start <= $4 THEN 1 ELSE login_attempts.attempts + 1 END
     RETURNING attempts`,
    [programId, client, now, new Date(now.getTime() - 60_000)],
  );
  return row.attempts;
}
