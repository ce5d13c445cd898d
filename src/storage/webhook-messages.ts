import { SealedValueError, type SealingKey } from '../security/sealed-values.ts';
import type { Queryable } from './db.ts';
import type { PageRequest } from './pagination.ts';
import { openCredential } from './webhook-endpoints.ts';

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
  /** The endpoint's attempts in flight at once per worker, as it was when the message was claimed. */
  maxConcurrency: number;
  /**
   * Set when the endpoint's stored credentials do not open (another PUNCHCARD_ENCRYPTION_KEY, or a
   * value copied from another row): the worker then sends nothing and records a failed attempt
   * with this error, retried on the usual schedule. The credentials are empty strings then.
   */
  credentialError: string | null;
}

/** Opens the endpoint credentials a claimed row carries sealed. */
function openMessage(key: SealingKey, m: OutgoingMessage): OutgoingMessage {
  try {
    return {
      ...m,
      secret: openCredential(key, m.programId, m.endpointId, 'secret', m.secret)!,
      previousSecret: openCredential(key, m.programId, m.endpointId, 'previous_secret', m.previousSecret),
      bearerToken: openCredential(key, m.programId, m.endpointId, 'bearer_token', m.bearerToken),
      basicPassword: openCredential(key, m.programId, m.endpointId, 'basic_password', m.basicPassword),
      credentialError: null,
    };
  } catch (error) {
    if (!(error instanceof SealedValueError)) throw error;
    return { ...m, secret: '', previousSecret: null, bearerToken: null, basicPassword: null, credentialError: error.message };
  }
}

/**
 * Claims due messages in one statement, skipping rows other workers hold, and leases them: their
 * next attempt moves to `leaseUntil`, so a worker that dies mid-send leaves them to be claimed again.
 * Per enabled endpoint it takes at most `max_concurrency` minus what this worker already `held`
 * of it (one slow endpoint cannot fill the batch), or `rounds` times `max_concurrency` when the
 * worker claims ahead for an endpoint that answers fast and whose timeout is at most
 * `longestTimeoutMs` (the worker still sends no more than `max_concurrency` at once). The batch
 * takes every endpoint's oldest message first, then their second, and so on, so a limit that cuts
 * it short cuts the deepest claims.
 */
export async function claimDueMessages(
  tx: Queryable,
  key: SealingKey,
  now: Date,
  leaseUntil: Date,
  limit: number,
  held: ReadonlyMap<string, number>,
  rounds: ReadonlyMap<string, number> = new Map(),
  longestTimeoutMs = 0,
): Promise<OutgoingMessage[]> {
  const ids = [...new Set([...held.keys(), ...rounds.keys()])];
  const rows = await tx.query<OutgoingMessage>(
    `WITH mine AS (
       SELECT * FROM unnest($4::uuid[], $5::int[], $6::int[]) AS h (endpoint_id, held, rounds)
     ),
     picked AS (
       SELECT m.id, m.program_id, m.endpoint_id, m.event_id, m.attempts, m.next_trigger, m.next_attempt_at,
              e.url, e.timeout_ms, e.bearer_token, e.basic_username, e.basic_password, e.headers, e.secret,
              e.previous_secret, e.previous_secret_expires_at, e.max_concurrency,
              row_number() OVER (PARTITION BY e.id ORDER BY m.next_attempt_at, m.id) AS turn
       FROM webhook_endpoints e
       LEFT JOIN mine h ON h.endpoint_id = e.id
       CROSS JOIN LATERAL (
         SELECT * FROM webhook_messages m
         WHERE m.endpoint_id = e.id AND m.status = 'pending' AND m.next_attempt_at <= $1
         ORDER BY m.next_attempt_at
         LIMIT GREATEST(0, e.max_concurrency * CASE WHEN e.timeout_ms <= $7 THEN COALESCE(h.rounds, 1) ELSE 1 END
                           - COALESCE(h.held, 0))
         FOR UPDATE SKIP LOCKED
       ) m
       WHERE e.enabled
     ),
     claimed AS (
       SELECT * FROM picked ORDER BY turn, next_attempt_at LIMIT $2
     ),
     -- The lease's commit need not wait for the WAL flush: other workers see it as soon as it
     -- commits, and if the server crashes before it reaches the disk the messages are merely due
     -- again after the restart, which at-least-once delivery allows. (set_config(..., true) lasts
     -- until the end of the transaction: this statement's own, when it runs alone as the worker
     -- runs it.)
     relaxed AS (
       SELECT set_config('synchronous_commit', 'off', true)
     ),
     -- By primary key: a join with the CTE would be planned as a scan of the whole table.
     leased AS (
       UPDATE webhook_messages SET next_attempt_at = $3 FROM relaxed WHERE id = ANY (ARRAY(SELECT id FROM claimed))
     )
     SELECT c.id, c.program_id AS "programId", c.endpoint_id AS "endpointId", c.event_id AS "eventId",
            ev.type AS "eventType", ev.body, c.attempts, c.next_trigger AS "trigger",
            c.url, c.timeout_ms AS "timeoutMs", c.bearer_token AS "bearerToken",
            c.basic_username AS "basicUsername", c.basic_password AS "basicPassword", c.headers, c.secret,
            c.previous_secret AS "previousSecret", c.previous_secret_expires_at AS "previousSecretExpiresAt",
            c.max_concurrency AS "maxConcurrency"
     FROM claimed c JOIN events ev ON ev.id = c.event_id
     ORDER BY c.turn, c.next_attempt_at`,
    [now, limit, leaseUntil, ids, ids.map((id) => held.get(id) ?? 0), ids.map((id) => rounds.get(id) ?? 1), longestTimeoutMs],
  );
  return rows.map((row) => openMessage(key, row));
}

/** A claimed message and the lease it was claimed with. */
export interface Lease {
  id: string;
  leaseUntil: Date;
}

/**
 * Hands claimed messages back unsent (a worker stopping, or an endpoint that asked for no more):
 * due again at `now` instead of when their lease ends. Only while the lease is still the one given
 * with the claim: a message whose lease ran out may have been claimed by another worker since.
 */
export async function releaseMessages(tx: Queryable, leases: Lease[], now: Date): Promise<void> {
  if (leases.length === 0) return;
  const ids = leases.map((l) => l.id);
  await tx.query(
    `UPDATE webhook_messages m SET next_attempt_at = $3
     FROM unnest($1::uuid[], $2::timestamptz[]) AS l (id, lease_until)
     WHERE m.id = ANY ($1::uuid[]) AND m.id = l.id AND m.status = 'pending' AND m.next_attempt_at = l.lease_until`,
    [ids, leases.map((l) => l.leaseUntil), now],
  );
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

/** Writes a batch of finished attempts and their messages' new state in one statement. */
export async function recordAttempts(tx: Queryable, records: AttemptRecord[], now: Date): Promise<void> {
  if (records.length === 0) return;
  const col = <K extends keyof AttemptRecord>(key: K) => records.map((r) => r[key]);
  await tx.query(
    `WITH r AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::int[], $7::int[],
                            $8::text[], $9::text[], $10::text[], $11::timestamptz[])
         AS r (id, program_id, message_id, attempted_at, trigger, status_code, duration_ms, response_body, error,
               next_status, next_at)
     ),
     attempts AS (
       INSERT INTO webhook_attempts (id, program_id, message_id, attempted_at, trigger, status_code, duration_ms, response_body, error)
       SELECT id, program_id, message_id, attempted_at, trigger, status_code, duration_ms, response_body, error FROM r
     )
     UPDATE webhook_messages m
     SET status = r.next_status, attempts = m.attempts + 1, next_attempt_at = r.next_at, next_trigger = 'scheduled',
         last_status_code = r.status_code, updated_at = $12
     FROM r
     -- The array lets the planner find the rows by primary key instead of scanning the table.
     WHERE m.id = ANY ($3::uuid[]) AND m.id = r.message_id`,
    [col('id'), col('programId'), col('messageId'), col('attemptedAt'), col('trigger'), col('statusCode'),
      col('durationMs'), col('responseBody'), col('error'), col('nextStatus'), col('nextAttemptAt'), now],
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
