import type { MemberTier } from '../../domain/tiers/tier-group.ts';
import type { Queryable } from '../db.ts';

const columns = `mt.program_id AS "programId", mt.member_id AS "memberId", mt.group_id AS "groupId", mt.tier_id AS "tierId",
  mt.manual, mt.attributed_at AS "attributedAt", mt.review_at AS "reviewAt", mt.review_reminder_at AS "reviewReminderAt",
  mt.tier_reminder_at AS "tierReminderAt", mt.month_anniversary_at AS "monthAnniversaryAt", mt.updated_at AS "updatedAt"`;

export async function upsertMemberTier(tx: Queryable, m: MemberTier): Promise<void> {
  await tx.query(
    `INSERT INTO member_tiers (program_id, member_id, group_id, tier_id, manual, attributed_at, review_at, review_reminder_at,
       tier_reminder_at, month_anniversary_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (program_id, member_id, group_id) DO UPDATE SET tier_id = EXCLUDED.tier_id, manual = EXCLUDED.manual,
       attributed_at = EXCLUDED.attributed_at, review_at = EXCLUDED.review_at, review_reminder_at = EXCLUDED.review_reminder_at,
       tier_reminder_at = EXCLUDED.tier_reminder_at, month_anniversary_at = EXCLUDED.month_anniversary_at,
       updated_at = EXCLUDED.updated_at`,
    [m.programId, m.memberId, m.groupId, m.tierId, m.manual, m.attributedAt, m.reviewAt, m.reviewReminderAt,
      m.tierReminderAt, m.monthAnniversaryAt, m.updatedAt],
  );
}

/** A member's tiers, one per group; locked when the caller is about to change them. */
export async function memberTiers(tx: Queryable, programId: string, memberId: string, forUpdate = false) {
  return tx.query<MemberTier>(
    `SELECT ${columns} FROM member_tiers mt WHERE mt.program_id = $1 AND mt.member_id = $2 ORDER BY mt.group_id
     ${forUpdate ? 'FOR UPDATE' : ''}`,
    [programId, memberId],
  );
}

/** The moments a sweep handles, each an indexed column of due times. */
export const dueColumns = {
  review: 'review_at',
  reviewReminder: 'review_reminder_at',
  tierReminder: 'tier_reminder_at',
  monthAnniversary: 'month_anniversary_at',
} as const;
export type DueKind = keyof typeof dueColumns;

/** Rows with a moment of this kind due by `now`, oldest first, locked for the sweep. */
export async function dueMemberTiers(tx: Queryable, programId: string, kind: DueKind, now: Date, limit: number) {
  const column = dueColumns[kind];
  return tx.query<MemberTier>(
    `SELECT ${columns} FROM member_tiers mt WHERE mt.program_id = $1 AND mt.${column} <= $2
     ORDER BY mt.${column}, mt.member_id LIMIT $3 FOR UPDATE`,
    [programId, now, limit],
  );
}
