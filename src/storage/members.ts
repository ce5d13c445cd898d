import type { Queryable } from './db.ts';

export interface MemberRow {
  id: string;
  programId: string;
  contactId: number;
  status: 'new' | 'active' | 'inactive' | 'anonymised';
  email: string | null;
  phone: string | null;
  cardId: string | null;
  firstName: string | null;
  lastName: string | null;
  customAttributes: Record<string, string | number | boolean | null>;
  createdAt: Date;
  updatedAt: Date;
}

export interface SubscriptionRow {
  id: string;
  programId: string;
  memberId: string;
  loyaltySubscriptionId: string;
  status: 'active' | 'revoked';
  createdAt: Date;
}

/** Inserts a member; the database hands out the numeric contact id. */
export async function insertMember(tx: Queryable, m: Omit<MemberRow, 'contactId'>): Promise<MemberRow> {
  const [row] = await tx.query<{ contactId: number }>(
    `INSERT INTO members (id, program_id, status, email, email_normalized, phone, card_id, first_name, last_name,
       custom_attributes, created_at, updated_at)
     VALUES ($1, $2, $3, $4, lower($4), $5, $6, $7, $8, $9, $10, $11)
     RETURNING contact_id AS "contactId"`,
    [m.id, m.programId, m.status, m.email, m.phone, m.cardId, m.firstName, m.lastName,
      JSON.stringify(m.customAttributes), m.createdAt, m.updatedAt],
  );
  return { ...m, contactId: row.contactId };
}

/** Which unique identifier of a program is already taken, if any. */
export async function findIdentifierClash(
  tx: Queryable,
  programId: string,
  ids: { email: string | null; phone: string | null; cardId: string | null },
): Promise<'email' | 'phone' | 'cardId' | null> {
  const rows = await tx.query<{ field: 'email' | 'phone' | 'cardId' }>(
    `SELECT CASE WHEN email_normalized = lower($2) THEN 'email' WHEN phone = $3 THEN 'phone' ELSE 'cardId' END AS field
     FROM members
     WHERE program_id = $1 AND (email_normalized = lower($2) OR phone = $3 OR card_id = $4)
     LIMIT 1`,
    [programId, ids.email, ids.phone, ids.cardId],
  );
  return rows[0]?.field ?? null;
}

export async function insertSubscription(tx: Queryable, s: SubscriptionRow): Promise<void> {
  await tx.query(
    `INSERT INTO subscriptions (id, program_id, member_id, loyalty_subscription_id, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.id, s.programId, s.memberId, s.loyaltySubscriptionId, s.status, s.createdAt],
  );
}

export async function subscriptionIdTaken(tx: Queryable, programId: string, loyaltySubscriptionId: string) {
  const rows = await tx.query(
    `SELECT 1 FROM subscriptions WHERE program_id = $1 AND loyalty_subscription_id = $2`,
    [programId, loyaltySubscriptionId],
  );
  return rows.length > 0;
}
