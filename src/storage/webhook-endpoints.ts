import { open, openNullable, seal, sealNullable, type SealingKey } from '../security/sealed-values.ts';
import type { Queryable } from './db.ts';
import type { PageRequest } from './pagination.ts';

export interface EndpointRow {
  id: string;
  programId: string;
  url: string;
  description: string;
  eventTypes: string[] | null;
  bearerToken: string | null;
  basicUsername: string | null;
  basicPassword: string | null;
  headers: Record<string, string>;
  timeoutMs: number;
  maxConcurrency: number;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const endpointColumns = `e.id, e.program_id AS "programId", e.url, e.description, e.event_types AS "eventTypes",
  e.bearer_token AS "bearerToken", e.basic_username AS "basicUsername", e.basic_password AS "basicPassword",
  e.headers, e.timeout_ms AS "timeoutMs", e.max_concurrency AS "maxConcurrency", e.secret,
  e.previous_secret AS "previousSecret", e.previous_secret_expires_at AS "previousSecretExpiresAt",
  e.enabled, e.disabled_reason AS "disabledReason", e.disabled_at AS "disabledAt",
  e.failing_since AS "failingSince", e.created_at AS "createdAt", e.updated_at AS "updatedAt"`;

/**
 * The credential columns are sealed at rest (security/sealed-values.ts), bound to their row and
 * column. Values stored in clear before sealing existed are read as they are and sealed the next
 * time the endpoint is written.
 */
export type SealedColumn = 'secret' | 'previous_secret' | 'bearer_token' | 'basic_password';

const place = (programId: string, id: string, column: SealedColumn) => ({ programId, rowId: id, column: `webhook_endpoints.${column}` });

/** Opens one credential of an endpoint; throws SealedValueError if it does not open. */
export function openCredential(key: SealingKey, programId: string, id: string, column: SealedColumn, stored: string | null): string | null {
  return openNullable(key, stored, place(programId, id, column));
}

function openRow(key: SealingKey, row: EndpointRow): EndpointRow {
  return {
    ...row,
    secret: open(key, row.secret, place(row.programId, row.id, 'secret')),
    previousSecret: openCredential(key, row.programId, row.id, 'previous_secret', row.previousSecret),
    bearerToken: openCredential(key, row.programId, row.id, 'bearer_token', row.bearerToken),
    basicPassword: openCredential(key, row.programId, row.id, 'basic_password', row.basicPassword),
  };
}

const fields = (key: SealingKey, e: EndpointRow) => [
  e.id, e.programId, e.url, e.description, e.eventTypes, sealNullable(key, e.bearerToken, place(e.programId, e.id, 'bearer_token')),
  e.basicUsername, sealNullable(key, e.basicPassword, place(e.programId, e.id, 'basic_password')),
  JSON.stringify(e.headers), e.timeoutMs, e.maxConcurrency, seal(key, e.secret, place(e.programId, e.id, 'secret')),
  sealNullable(key, e.previousSecret, place(e.programId, e.id, 'previous_secret')), e.previousSecretExpiresAt,
  e.enabled, e.disabledReason, e.disabledAt, e.failingSince, e.createdAt, e.updatedAt,
];

export async function insertEndpoint(tx: Queryable, key: SealingKey, e: EndpointRow): Promise<void> {
  await tx.query(
    `INSERT INTO webhook_endpoints (id, program_id, url, description, event_types, bearer_token, basic_username,
       basic_password, headers, timeout_ms, max_concurrency, secret, previous_secret, previous_secret_expires_at,
       enabled, disabled_reason, disabled_at, failing_since, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
    fields(key, e),
  );
}

export async function updateEndpoint(tx: Queryable, key: SealingKey, e: EndpointRow): Promise<void> {
  await tx.query(
    `UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5, bearer_token = $6,
       basic_username = $7, basic_password = $8, headers = $9, timeout_ms = $10, max_concurrency = $11, secret = $12,
       previous_secret = $13, previous_secret_expires_at = $14, enabled = $15, disabled_reason = $16,
       disabled_at = $17, failing_since = $18, updated_at = $20
     WHERE id = $1 AND program_id = $2 AND created_at = $19`,
    fields(key, e),
  );
}

export async function findEndpoint(tx: Queryable, key: SealingKey, programId: string, id: string, forUpdate = false) {
  const rows = await tx.query<EndpointRow>(
    `SELECT ${endpointColumns} FROM webhook_endpoints e WHERE e.program_id = $1 AND e.id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [programId, id],
  );
  return rows[0] && openRow(key, rows[0]);
}

/** Whether an endpoint exists and is enabled, without opening its credentials. */
export async function findEndpointState(tx: Queryable, programId: string, id: string) {
  const rows = await tx.query<{ id: string; enabled: boolean }>(
    `SELECT id, enabled FROM webhook_endpoints WHERE program_id = $1 AND id = $2`, [programId, id]);
  return rows[0];
}

export async function listEndpoints(tx: Queryable, key: SealingKey, programId: string, page: PageRequest) {
  const rows = await tx.query<EndpointRow>(
    `SELECT ${endpointColumns} FROM webhook_endpoints e
     WHERE e.program_id = $1 AND ($2::uuid IS NULL OR e.id > $2) ORDER BY e.id LIMIT $3`,
    [programId, page.after, page.limit + 1],
  );
  return rows.map((row) => openRow(key, row));
}

export async function deleteEndpoint(tx: Queryable, programId: string, id: string): Promise<boolean> {
  // Attempts and messages go with it (ON DELETE CASCADE); the events stay, they are history.
  const rows = await tx.query(`DELETE FROM webhook_endpoints WHERE program_id = $1 AND id = $2 RETURNING id`, [programId, id]);
  return rows.length === 1;
}
