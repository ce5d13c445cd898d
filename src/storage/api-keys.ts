import type { Queryable } from './db.ts';
import type { PageRequest } from './pagination.ts';

export interface ApiKeyRow {
  id: string;
  programId: string | null;
  name: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const columns = `id, program_id AS "programId", name, prefix, created_at AS "createdAt", revoked_at AS "revokedAt"`;

export async function insertApiKey(tx: Queryable, key: ApiKeyRow, hash: Buffer): Promise<void> {
  await tx.query(
    `INSERT INTO api_keys (id, program_id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [key.id, key.programId, key.name, key.prefix, hash, key.createdAt],
  );
}

export async function findActiveKeyByHash(tx: Queryable, hash: Buffer) {
  const rows = await tx.query<ApiKeyRow>(
    `SELECT ${columns} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hash],
  );
  return rows[0];
}

export async function findApiKey(tx: Queryable, id: string) {
  const rows = await tx.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE id = $1`, [id]);
  return rows[0];
}

/** programId null lists the admin keys. */
export async function listApiKeys(tx: Queryable, programId: string | null, page: PageRequest) {
  return tx.query<ApiKeyRow>(
    `SELECT ${columns} FROM api_keys
     WHERE program_id IS NOT DISTINCT FROM $1 AND ($2::uuid IS NULL OR id > $2)
     ORDER BY id LIMIT $3`,
    [programId, page.after, page.limit + 1],
  );
}

export async function revokeApiKey(tx: Queryable, id: string, at: Date): Promise<void> {
  await tx.query(`UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [id, at]);
}

/** Records a one-time fact; false if it was already recorded. */
export async function recordInstanceFact(tx: Queryable, name: string, at: Date): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO instance_facts (name, recorded_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING name`,
    [name, at],
  );
  return rows.length === 1;
}
