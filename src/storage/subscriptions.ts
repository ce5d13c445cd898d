import type { Queryable } from './db.ts';

export interface SubscriptionRow {
  id: string;
  programId: string;
  /** The owner: the member who enrolled. */
  memberId: string;
  loyaltySubscriptionId: string;
  status: 'active' | 'revoked';
  createdAt: Date;
  revokedAt: Date | null;
}

export const subscriptionColumns = `s.id, s.program_id AS "programId", s.member_id AS "memberId",
  s.loyalty_subscription_id AS "loyaltySubscriptionId", s.status, s.created_at AS "createdAt", s.revoked_at AS "revokedAt"`;

export async function insertSubscription(tx: Queryable, s: SubscriptionRow): Promise<void> {
  await tx.query(
    `INSERT INTO subscriptions (id, program_id, member_id, loyalty_subscription_id, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.id, s.programId, s.memberId, s.loyaltySubscriptionId, s.status, s.createdAt],
  );
}

export async function findSubscription(tx: Queryable, programId: string, loyaltySubscriptionId: string, forUpdate = false) {
  const rows = await tx.query<SubscriptionRow>(
    `SELECT ${subscriptionColumns} FROM subscriptions s WHERE s.program_id = $1 AND s.loyalty_subscription_id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [programId, loyaltySubscriptionId],
  );
  return rows[0];
}

export async function findSubscriptionById(tx: Queryable, programId: string, id: string) {
  const rows = await tx.query<SubscriptionRow>(`SELECT ${subscriptionColumns} FROM subscriptions s WHERE s.program_id = $1 AND s.id = $2`, [programId, id]);
  return rows[0];
}

/**
 * The active subscription a member of a program ($1) belongs to, as its owner or as an added
 * member; with its `role`. `member` is the SQL that names the member: a parameter, or a column of
 * an outer query when several members are resolved in one statement.
 */
export const memberSubscriptionSqlFor = (member: string) => `SELECT ${subscriptionColumns}, 'owner' AS role FROM subscriptions s
     WHERE s.program_id = $1 AND s.member_id = ${member} AND s.status = 'active'
     UNION ALL
     SELECT ${subscriptionColumns}, 'member' AS role FROM subscription_members sm JOIN subscriptions s ON s.id = sm.subscription_id
     WHERE sm.program_id = $1 AND sm.member_id = ${member} AND sm.removed_at IS NULL AND s.status = 'active'
     LIMIT 1`;

/** The active subscription of member $2 in program $1 (see memberSubscriptionSqlFor). */
export const memberSubscriptionSql = memberSubscriptionSqlFor('$2');

/** The active subscription a member belongs to, as its owner or as an added member. */
export async function findMemberSubscription(tx: Queryable, programId: string, memberId: string) {
  const rows = await tx.query<SubscriptionRow & { role: 'owner' | 'member' }>(memberSubscriptionSql, [programId, memberId]);
  return rows[0];
}

export async function revokeSubscription(tx: Queryable, id: string, at: Date): Promise<void> {
  await tx.query(`UPDATE subscriptions SET status = 'revoked', revoked_at = $2 WHERE id = $1`, [id, at]);
  await tx.query(`UPDATE subscription_members SET removed_at = $2 WHERE subscription_id = $1 AND removed_at IS NULL`, [id, at]);
}

export async function addSubscriptionMember(
  tx: Queryable,
  row: { id: string; programId: string; subscriptionId: string; memberId: string; addedAt: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO subscription_members (id, program_id, subscription_id, member_id, added_at) VALUES ($1, $2, $3, $4, $5)`,
    [row.id, row.programId, row.subscriptionId, row.memberId, row.addedAt],
  );
}

/** Returns false when the member was not (or no longer) part of the subscription. */
export async function removeSubscriptionMember(tx: Queryable, subscriptionId: string, memberId: string, at: Date) {
  const rows = await tx.query(
    `UPDATE subscription_members SET removed_at = $3 WHERE subscription_id = $1 AND member_id = $2 AND removed_at IS NULL RETURNING id`,
    [subscriptionId, memberId, at],
  );
  return rows.length === 1;
}

export async function listSubscriptionMembers(tx: Queryable, subscriptionId: string) {
  return tx.query<{ memberId: string; contactId: number; addedAt: Date }>(
    `SELECT sm.member_id AS "memberId", m.contact_id AS "contactId", sm.added_at AS "addedAt"
     FROM subscription_members sm JOIN members m ON m.id = sm.member_id
     WHERE sm.subscription_id = $1 AND sm.removed_at IS NULL ORDER BY sm.id`,
    [subscriptionId],
  );
}
