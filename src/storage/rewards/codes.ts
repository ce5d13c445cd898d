import type { Queryable } from '../db.ts';

/**
 * Adds uploaded codes to a reward's pool in one multi-row statement per batch (unnest of an
 * array), skipping codes the program already has. Returns how many were added.
 */
export async function insertPoolCodes(
  tx: Queryable, programId: string, rewardId: string, codes: string[], now: Date,
): Promise<number> {
  const rows = await tx.query<{ n: number }>(
    `WITH added AS (
       INSERT INTO reward_codes (program_id, reward_id, code, created_at)
       SELECT $1, $2, c, $4 FROM unnest($3::text[]) WITH ORDINALITY AS u(c, i) ORDER BY i
       ON CONFLICT (program_id, code) DO NOTHING RETURNING 1)
     SELECT count(*)::int AS n FROM added`,
    [programId, rewardId, codes, now],
  );
  return rows[0].n;
}

/**
 * Claims the oldest free code of a pool for a voucher. SKIP LOCKED: concurrent issuers each get
 * a different code without waiting on one another, and a code is never handed out twice.
 */
export async function claimPoolCode(tx: Queryable, rewardId: string, voucherId: string): Promise<string | null> {
  const rows = await tx.query<{ code: string }>(
    `UPDATE reward_codes SET voucher_id = $2
     WHERE (program_id, code) = (SELECT program_id, code FROM reward_codes
                                 WHERE reward_id = $1 AND voucher_id IS NULL ORDER BY n LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING code`,
    [rewardId, voucherId],
  );
  return rows[0]?.code ?? null;
}

/** Records a code generated from the pattern; false when the program already has it. */
export async function takeGeneratedCode(
  tx: Queryable, programId: string, rewardId: string, code: string, voucherId: string, now: Date,
): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO reward_codes (program_id, reward_id, code, voucher_id, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (program_id, code) DO NOTHING RETURNING 1`,
    [programId, rewardId, code, voucherId, now],
  );
  return rows.length === 1;
}

export async function codeCounts(tx: Queryable, rewardId: string): Promise<{ total: number; free: number }> {
  const [row] = await tx.query<{ total: number; free: number }>(
    `SELECT count(*)::int AS total, (count(*) FILTER (WHERE voucher_id IS NULL))::int AS free FROM reward_codes WHERE reward_id = $1`,
    [rewardId],
  );
  return row;
}
