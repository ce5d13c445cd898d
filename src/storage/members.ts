import type { Queryable } from './db.ts';
import type { PageRequest } from './pagination.ts';
import type { IdentifierName } from './programs.ts';

export type MemberStatus = 'new' | 'active' | 'inactive' | 'anonymised';
export type AttributeValue = string | number | boolean | null;

export interface MemberRow {
  id: string;
  programId: string;
  contactId: number;
  status: MemberStatus;
  email: string | null;
  phone: string | null;
  cardId: string | null;
  firstName: string | null;
  lastName: string | null;
  birthDate: string | null;
  customAttributes: Record<string, AttributeValue>;
  passwordHash: string | null;
  failedLogins: number;
  lockedUntil: Date | null;
  activatedAt: Date | null;
  deactivatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const memberColumns = `m.id, m.program_id AS "programId", m.contact_id AS "contactId", m.status, m.email, m.phone,
  m.card_id AS "cardId", m.first_name AS "firstName", m.last_name AS "lastName",
  to_char(m.birth_date, 'YYYY-MM-DD') AS "birthDate", m.custom_attributes AS "customAttributes",
  m.password_hash AS "passwordHash", m.failed_logins AS "failedLogins", m.locked_until AS "lockedUntil",
  m.activated_at AS "activatedAt", m.deactivated_at AS "deactivatedAt",
  m.created_at AS "createdAt", m.updated_at AS "updatedAt"`;

/** Inserts a member; the database hands out the numeric contact id. */
export async function insertMember(tx: Queryable, m: Omit<MemberRow, 'contactId'>): Promise<MemberRow> {
  const [row] = await tx.query<{ contactId: number }>(
    `INSERT INTO members (id, program_id, status, email, email_normalized, phone, card_id, first_name, last_name,
       birth_date, custom_attributes, password_hash, activated_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, lower($4), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     RETURNING contact_id AS "contactId"`,
    [m.id, m.programId, m.status, m.email, m.phone, m.cardId, m.firstName, m.lastName, m.birthDate,
      JSON.stringify(m.customAttributes), m.passwordHash, m.activatedAt, m.createdAt, m.updatedAt],
  );
  return { ...m, contactId: row.contactId };
}

/** Writes every mutable column of a member. */
export async function saveMember(tx: Queryable, m: MemberRow): Promise<void> {
  await tx.query(
    `UPDATE members SET status = $3, email = $4, email_normalized = lower($4), phone = $5, card_id = $6,
       first_name = $7, last_name = $8, birth_date = $9, custom_attributes = $10, password_hash = $11,
       failed_logins = $12, locked_until = $13, activated_at = $14, deactivated_at = $15, updated_at = $16
     WHERE program_id = $1 AND id = $2`,
    [m.programId, m.id, m.status, m.email, m.phone, m.cardId, m.firstName, m.lastName, m.birthDate,
      JSON.stringify(m.customAttributes), m.passwordHash, m.failedLogins, m.lockedUntil, m.activatedAt,
      m.deactivatedAt, m.updatedAt],
  );
}

export async function findMember(tx: Queryable, programId: string, id: string, forUpdate = false) {
  const rows = await tx.query<MemberRow>(
    `SELECT ${memberColumns} FROM members m WHERE m.program_id = $1 AND m.id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [programId, id],
  );
  return rows[0];
}

const identifierColumn: Record<IdentifierName, string> = {
  email: 'm.email_normalized = lower($2)',
  phone: 'm.phone = $2',
  cardId: 'm.card_id = $2',
};

/** Members holding an identifier, oldest first (several only where the program allows duplicates). */
export async function findMembersByIdentifier(tx: Queryable, programId: string, name: IdentifierName, value: string) {
  return tx.query<MemberRow>(
    `SELECT ${memberColumns} FROM members m WHERE m.program_id = $1 AND ${identifierColumn[name]} ORDER BY m.id LIMIT 20`,
    [programId, value],
  );
}

/**
 * Serialises writers of one identifier value in one program, so "is it taken?" and the write
 * that takes it cannot interleave (uniqueness is a per-program setting, not an index).
 */
export async function lockIdentifier(tx: Queryable, programId: string, name: IdentifierName, value: string) {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${programId}:${name}:${value}`]);
}

export interface MemberFilter {
  email?: string;
  phone?: string;
  cardId?: string;
  contactId?: number;
  loyaltySubscriptionId?: string;
  status?: MemberStatus;
  /** Case-insensitive prefix of first name, last name or e-mail. */
  search?: string;
}

export async function listMembers(tx: Queryable, programId: string, filter: MemberFilter, page: PageRequest) {
  return tx.query<MemberRow>(
    `SELECT ${memberColumns} FROM members m
     WHERE m.program_id = $1
       AND ($2::text IS NULL OR m.email_normalized = lower($2))
       AND ($3::text IS NULL OR m.phone = $3)
       AND ($4::text IS NULL OR m.card_id = $4)
       AND ($5::bigint IS NULL OR m.contact_id = $5)
       AND ($6::text IS NULL OR m.status = $6)
       AND ($7::text IS NULL OR lower(m.first_name) LIKE $7 OR lower(m.last_name) LIKE $7 OR m.email_normalized LIKE $7)
       AND ($8::text IS NULL OR EXISTS (
             SELECT 1 FROM subscriptions s
             LEFT JOIN subscription_members sm ON sm.subscription_id = s.id AND sm.removed_at IS NULL
             WHERE s.program_id = m.program_id AND s.loyalty_subscription_id = $8
               AND (s.member_id = m.id OR sm.member_id = m.id)))
       AND ($9::uuid IS NULL OR m.id > $9)
     ORDER BY m.id LIMIT $10`,
    [programId, filter.email ?? null, filter.phone ?? null, filter.cardId ?? null, filter.contactId ?? null,
      filter.status ?? null, filter.search ? `${filter.search.toLowerCase().replace(/[\\%_]/g, '\\$&')}%` : null,
      filter.loyaltySubscriptionId ?? null, page.after, page.limit + 1],
  );
}

export interface MemberCodeRow {
  id: string;
  memberId: string;
  purpose: 'activation' | 'password_reset';
  expiresAt: Date;
  failedAttempts: number;
  usedAt: Date | null;
}

const codeColumns = `c.id, c.member_id AS "memberId", c.purpose, c.expires_at AS "expiresAt",
  c.failed_attempts AS "failedAttempts", c.used_at AS "usedAt"`;

/** A new code replaces the member's earlier ones of the same purpose. */
export async function insertMemberCode(
  tx: Queryable,
  code: MemberCodeRow & { programId: string; hash: Buffer; createdAt: Date },
): Promise<void> {
  await tx.query(
    `UPDATE member_codes SET used_at = $3 WHERE member_id = $1 AND purpose = $2 AND used_at IS NULL`,
    [code.memberId, code.purpose, code.createdAt],
  );
  await tx.query(
    `INSERT INTO member_codes (id, program_id, member_id, purpose, code_hash, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [code.id, code.programId, code.memberId, code.purpose, code.hash, code.expiresAt, code.createdAt],
  );
}

/** The member's current (unused) code of a purpose, locked. */
export async function currentMemberCode(tx: Queryable, memberId: string, purpose: MemberCodeRow['purpose']) {
  const rows = await tx.query<MemberCodeRow & { hash: Buffer }>(
    `SELECT ${codeColumns}, c.code_hash AS hash FROM member_codes c
     WHERE c.member_id = $1 AND c.purpose = $2 AND c.used_at IS NULL
     ORDER BY c.created_at DESC LIMIT 1 FOR UPDATE`,
    [memberId, purpose],
  );
  return rows[0];
}

export async function findMemberCodeByHash(tx: Queryable, programId: string, purpose: MemberCodeRow['purpose'], hash: Buffer) {
  const rows = await tx.query<MemberCodeRow>(
    `SELECT ${codeColumns} FROM member_codes c WHERE c.program_id = $1 AND c.purpose = $2 AND c.code_hash = $3 FOR UPDATE`,
    [programId, purpose, hash],
  );
  return rows[0];
}

export async function updateMemberCode(tx: Queryable, id: string, failedAttempts: number, usedAt: Date | null) {
  await tx.query(`UPDATE member_codes SET failed_attempts = $2, used_at = $3 WHERE id = $1`, [id, failedAttempts, usedAt]);
}

export async function deleteMemberSecrets(tx: Queryable, memberId: string): Promise<void> {
  await tx.query(`DELETE FROM member_sessions WHERE member_id = $1`, [memberId]);
  await tx.query(`DELETE FROM member_codes WHERE member_id = $1`, [memberId]);
}

export async function insertSession(
  tx: Queryable,
  s: { id: string; programId: string; memberId: string; hash: Buffer; expiresAt: Date; createdAt: Date },
) {
  await tx.query(
    `INSERT INTO member_sessions (id, program_id, member_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.id, s.programId, s.memberId, s.hash, s.expiresAt, s.createdAt],
  );
}

export async function findSession(tx: Queryable, hash: Buffer) {
  const rows = await tx.query<{ programId: string; memberId: string; expiresAt: Date }>(
    `SELECT program_id AS "programId", member_id AS "memberId", expires_at AS "expiresAt" FROM member_sessions WHERE token_hash = $1`,
    [hash],
  );
  return rows[0];
}
