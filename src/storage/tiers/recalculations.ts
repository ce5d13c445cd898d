import type { Queryable } from '../db.ts';

export interface RecalculationRow {
  id: string;
  programId: string;
  status: 'running' | 'completed';
  afterMemberId: string | null;
  total: number;
  processed: number;
  changed: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

const columns = `r.id, r.program_id AS "programId", r.status, r.after_member_id AS "afterMemberId", r.total, r.processed,
  r.changed, r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.completed_at AS "completedAt"`;

export async function insertRecalculation(tx: Queryable, r: RecalculationRow): Promise<void> {
  await tx.query(
    `INSERT INTO tier_recalculations (id, program_id, status, after_member_id, total, processed, changed, created_at, updated_at, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [r.id, r.programId, r.status, r.afterMemberId, r.total, r.processed, r.changed, r.createdAt, r.updatedAt, r.completedAt],
  );
}

export async function saveRecalculation(tx: Queryable, r: RecalculationRow): Promise<void> {
  await tx.query(
    `UPDATE tier_recalculations SET status = $3, after_member_id = $4, total = $5, processed = $6, changed = $7, updated_at = $8,
       completed_at = $9
     WHERE program_id = $1 AND id = $2`,
    [r.programId, r.id, r.status, r.afterMemberId, r.total, r.processed, r.changed, r.updatedAt, r.completedAt],
  );
}

export async function findRecalculation(tx: Queryable, programId: string, id: string, forUpdate = false) {
  const rows = await tx.query<RecalculationRow>(
    `SELECT ${columns} FROM tier_recalculations r WHERE r.program_id = $1 AND r.id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`, [programId, id]);
  return rows[0];
}

/** Owners of active subscriptions (the members who hold tiers), after a member id, in id order. */
export async function enrolledMembersAfter(tx: Queryable, programId: string, after: string | null, limit: number) {
  const rows = await tx.query<{ memberId: string }>(
    `SELECT s.member_id AS "memberId" FROM subscriptions s
     WHERE s.program_id = $1 AND s.status = 'active' AND ($2::uuid IS NULL OR s.member_id > $2)
     ORDER BY s.member_id LIMIT $3`,
    [programId, after, limit],
  );
  return rows.map((r) => r.memberId);
}

/** How many owners of active subscriptions there are, after a member id (all of them with null). */
export async function countEnrolledMembers(tx: Queryable, programId: string, after: string | null = null): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM subscriptions s WHERE s.program_id = $1 AND s.status = 'active' AND ($2::uuid IS NULL OR s.member_id > $2)`,
    [programId, after]);
  return row.n;
}
