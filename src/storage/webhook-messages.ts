import type { Queryable } from './db.ts';
import type { PageRequest } from './pagination.ts';

/** A claimed message with everything needed to send it. */
export interface OutgoingMessage {
  id: string;
  programId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  body: string;
  attempts: number;
  trigger: 'scheduled' | 'manual';
  url: string;
  timeoutMs: number;
  bearerToken: string | null;
  basicUsername: string | null;
  basicPassword: string | null;
  headers: Record<string, string>;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

/**
 * Claims due messages, at most `maxConcurrency` per enabled endpoint (one slow endpoint cannot
 * fill the batch), skipping rows other workers hold, and leases them: their next attempt moves to
 * `leaseUntil`, so a worker that dies mid-send leaves them to be claimed again.
 * `slotsLeft` caps each endpoint further by what this worker already has in flight for it.
 */
export async function claimDueMessages(
  tx: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
  inFlight: ReadonlyMap<string, number>,
): Promise<OutgoingMessage[]> {
  const candidates = await tx.query<OutgoingMessage & { maxConcurrency: number }>(
    `SELECT m.id, m.program_id AS "programId", m.endpoint_id AS "endpointId", m.event_id AS "eventId",
            ev.type AS "eventType", ev.body, m.attempts, m.next_trigger AS "trigger",
            e.url, e.timeout_ms AS "timeoutMs", e.bearer_token AS "bearerToken",
            e.basic_username AS "basicUsername", e.basic_password AS "basicPassword", e.headers, e.secret,
            e.previous_secret AS "previousSecret", e.previous_secret_expires_at AS "previousSecretExpiresAt",
            e.max_concurrency AS "maxConcurrency"
     FROM webhook_endpoints e
     CROSS JOIN LATERAL (
       SELECT * FROM webhook_messages m
       WHERE m.endpoint_id = e.id AND m.status = 'pending' AND m.next_attempt_at <= $1
       ORDER BY m.next_attempt_at
       LIMIT e.max_concurrency
       FOR UPDATE SKIP LOCKED
     ) m
     JOIN events ev ON ev.id = m.event_id
     WHERE e.enabled
     LIMIT $2`,
    [now, limit],
  );
  const taken = new Map<string, number>();
  const claimed = candidates.filter((m) => {
    const used = (inFlight.get(m.endpointId) ?? 0) + (taken.get(m.endpointId) ?? 0);
    if (used >= m.maxConcurrency) return false;
    taken.set(m.endpointId, (taken.get(m.endpointId) ?? 0) + 1);
    return true;
  });
  if (claimed.length > 0) {
    await tx.query(`UPDATE webhook_messages SET next_attempt_at = $2 WHERE id = ANY ($1::uuid[])`, [
      claimed.map((m) => m.id),
      leaseUntil,
    ]);
  }
  return claimed;
}

export interface AttemptRecord {
  id: string;
  messageId: string;
  programId: string;
  endpointId: string;
  attemptedAt: Date;
  trigger: 'scheduled' | 'manual';
  statusCode: number | null;
  durationMs: number;
  responseBody: string;
  error: string | null;
  /** What becomes of the message. */
  nextStatus: 'pending' | 'succeeded' | 'failed';
  nextAttemptAt: Date | null;
}

/** Writes a batch of finished attempts and their messages' new state in two statements. */
export async function recordAttempts(tx: Queryable, records: AttemptRecord[], now: Date): Promise<void> {
  if (records.length === 0) return;
  const col = <K extends keyof AttemptRecord>(key: K) => records.map((r) => r[key]);
  await tx.query(
    `INSERT INTO webhook_attempts (id, program_id, message_id, attempted_at, trigger, status_code, duration_ms, response_body, error)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::int[], $7::int[], $8::text[], $9::text[])`,
    [col('id'), col('programId'), col('messageId'), col('attemptedAt'), col('trigger'), col('statusCode'),
      col('durationMs'), col('responseBody'), col('error')],
  );
  await tx.query(
    `UPDATE webhook_messages m
     SET status = r.status, attempts = m.attempts + 1, next_attempt_at = r.next_at, next_trigger = 'scheduled',
         last_status_code = r.code, updated_at = $5
     FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[]) AS r (id, status, next_at, code)
     WHERE m.id = r.id`,
    [col('messageId'), col('nextStatus'), col('nextAttemptAt'), col('statusCode'), now],
  );
}

export interface MessageRow {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  sequence: number | null;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  createdAt: Date;
  updatedAt: Date;
}

const messageColumns = `m.id, m.endpoint_id AS "endpointId", m.event_id AS "eventId", ev.type AS "eventType",
  ev.sequence, m.status, m.attempts, m.next_attempt_at AS "nextAttemptAt", m.last_status_code AS "lastStatusCode",
  m.created_at AS "createdAt", m.updated_at AS "updatedAt"`;

export async function listMessages(tx: Queryable, endpointId: string, status: string | null, page: PageRequest) {
  return tx.query<MessageRow>(
    `SELECT ${messageColumns} FROM webhook_messages m JOIN events ev ON ev.id = m.event_id
     WHERE m.endpoint_id = $1 AND ($2::text IS NULL OR m.status = $2) AND ($3::uuid IS NULL OR m.id > $3)
     ORDER BY m.id LIMIT $4`,
    [endpointId, status, page.after, page.limit + 1],
  );
}

export async function findMessage(tx: Queryable, endpointId: string, messageId: string) {
  const rows = await tx.query<MessageRow>(
    `SELECT ${messageColumns} FROM webhook_messages m JOIN events ev ON ev.id = m.event_id
     WHERE m.endpoint_id = $1 AND m.id = $2`,
    [endpointId, messageId],
  );
  return rows[0];
}

export interface AttemptRow {
  id: string;
  attemptedAt: Date;
  trigger: string;
  statusCode: number | null;
  durationMs: number;
  responseBody: string;
  error: string | null;
}

export async function listAttempts(tx: Queryable, messageId: string, page: PageRequest) {
  return tx.query<AttemptRow>(
    `SELECT id, attempted_at AS "attemptedAt", trigger, status_code AS "statusCode", duration_ms AS "durationMs",
            response_body AS "responseBody", error
     FROM webhook_attempts WHERE message_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
    [messageId, page.after, page.limit + 1],
  );
}

/** Queues one message for an immediate manual attempt, whatever its state. */
export async function requeueMessage(tx: Queryable, messageId: string, now: Date): Promise<void> {
  await tx.query(
    `UPDATE webhook_messages SET status = 'pending', next_attempt_at = $2, next_trigger = 'manual', updated_at = $2
     WHERE id = $1`,
    [messageId, now],
  );
}

/** Queues every failed message of an endpoint created since `since`; returns how many. */
export async function requeueFailedSince(tx: Queryable, endpointId: string, since: Date, now: Date): Promise<number> {
  const rows = await tx.query(
    `UPDATE webhook_messages SET status = 'pending', next_attempt_at = $3, next_trigger = 'manual', updated_at = $3
     WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2 RETURNING id`,
    [endpointId, since, now],
  );
  return rows.length;
}
