import { parseInt8, type Queryable } from './db.ts';
import { renumberParameters, writeCtes, type Write } from './writes.ts';

export interface EventRow {
  id: string;
  programId: string;
  sequence: number | null;
  type: string;
  body: string;
  occurredAt: Date;
}

export async function insertEvent(tx: Queryable, event: EventRow): Promise<void> {
  await tx.query(
    `INSERT INTO events (id, program_id, sequence, type, body, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [event.id, event.programId, event.sequence, event.type, event.body, event.occurredAt],
  );
}

/**
 * How many endpoints took the last event of a program and type: that many message ids are made
 * ahead for the next one, so the events and their messages go in one statement. Only a guess; a
 * miss costs one more statement. Bounded: forgotten wholesale when it grows large.
 */
const recentFanOut = new Map<string, number>();
const maxRemembered = 10_000;

/**
 * The batch's events, zipped: ids ($3) and types ($4) as arrays, bodies ($5) as one JSON array of
 * them (see bodiesParameter). The elements of a `json` value come out as the exact text that went
 * in, so every body is stored byte for byte as it was built and will be signed.
 */
const batchRows = `ROWS FROM (unnest($3::uuid[]), unnest($4::text[]), json_array_elements($5::json)) WITH ORDINALITY AS e (id, type, body, n)`;

/**
 * The bodies as one parameter: each is JSON text already, so joined in brackets they are a JSON
 * array with nothing escaped. As a text[] literal node-postgres would escape every quote of every
 * body, and PostgreSQL unescape them (about 80 µs of this process's CPU per 24 bodies, measured).
 */
const bodiesParameter = (bodies: readonly string[]) => `[${bodies.join(',')}]`;

/** The batch's events numbered by this statement (the program's counter row locked until the transaction ends). */
const numbered = `taken AS (
       UPDATE event_sequences SET last_sequence = last_sequence + cardinality($3::uuid[]) WHERE program_id = $1
       RETURNING last_sequence - cardinality($3::uuid[]) AS base
     ),
     batch AS (
       SELECT e.id, e.type, e.n, t.base + e.n AS sequence, replace(e.body::text, $6, '"sequence":' || (t.base + e.n)) AS body
       FROM ${batchRows} CROSS JOIN taken t
     )`;
/** The batch's events left for the deferred trigger to number at COMMIT (migration 0010). */
const unnumbered = `program AS (SELECT id, $6::text AS stand_in FROM programs WHERE id = $1), -- the stand-in stays in the bodies
     batch AS (
       SELECT e.id, e.type, e.n, NULL::bigint AS sequence, e.body::text AS body
       FROM ${batchRows} CROSS JOIN program p
     )`;

/**
 * The statement of insertEventsWithMessages after its WITH, with its parameters: $1 program,
 * $2 occurred at, $3 ids, $4 types, $5 bodies (bodiesParameter), $6 the stand-in, $7 message
 * ids, $8 now, $9 the channel to NOTIFY or NULL.
 */
const eventsStatement = (numbering: string) => `${numbering},
     inserted AS (
       INSERT INTO events (id, program_id, sequence, type, body, occurred_at) SELECT id, $1, sequence, type, body, $2 FROM batch
     ),
     targets AS (
       SELECT b.id AS event_id, b.n, w.id AS endpoint_id, row_number() OVER (ORDER BY b.n, w.id) AS k
       FROM batch b JOIN webhook_endpoints w
         ON w.program_id = $1 AND w.enabled AND (w.event_types IS NULL OR b.type = ANY (w.event_types))
     ),
     messages AS (
       INSERT INTO webhook_messages (id, program_id, endpoint_id, event_id, status, next_attempt_at, next_trigger, created_at, updated_at)
       SELECT ($7::uuid[])[t.k], $1, t.endpoint_id, t.event_id, 'pending', $8, 'scheduled', $8, $8 FROM targets t
       WHERE t.k <= cardinality($7::uuid[])
     )
     SELECT (SELECT array_agg(b.sequence::text ORDER BY b.n) FROM batch b) AS sequences,
            (SELECT array_agg(coalesce(c.count, 0)::int ORDER BY b.n)
             FROM batch b LEFT JOIN (SELECT n, count(*) FROM targets GROUP BY n) c ON c.n = b.n) AS "fanOuts",
            COALESCE((SELECT array_agg(t.event_id ORDER BY t.k) FROM targets t WHERE t.k > cardinality($7::uuid[])), '{}') AS "restEvents",
            COALESCE((SELECT array_agg(t.endpoint_id ORDER BY t.k) FROM targets t WHERE t.k > cardinality($7::uuid[])), '{}') AS "restEndpoints",
            -- pg_notify returns void, which as text is '' (not NULL): true when it was called.
            (CASE WHEN EXISTS (SELECT 1 FROM targets) AND $9::text IS NOT NULL THEN pg_notify($9, '')::text END) IS NOT NULL AS notified`;
const numberedStatement = eventsStatement(numbered);
const unnumberedStatement = eventsStatement(unnumbered);

export interface EventBatch {
  programId: string;
  occurredAt: Date;
  /** In the order they are numbered; each body holds `standIn` once where its sequence goes. */
  events: { id: string; type: string; body: string }[];
  standIn: string;
}

/**
 * Writes a batch of events and one pending message for every enabled endpoint of the program
 * subscribed to each event's type (NULL event_types: all), and NOTIFYs `notify` (at commit) if
 * there is any message. One round trip in the usual case.
 * Numbering: by default the events are written without a sequence and the deferred trigger of
 * migration 0010 numbers them at COMMIT (the program's sequence row is locked for the commit
 * only); with `numberNow` this statement takes the numbers (the row then stays locked until the
 * caller's transaction ends: for sweeps and group commits writing many events at once, as their last statement).
 * Either way each body holds `standIn` once where its number goes. `alsoWrite` goes first in
 * the same statement (runWrites' rules hold: the writes do not see each other's rows, nor do
 * the events see theirs), so the change that the events report costs no round trip of its own.
 * Returns each event's sequence (null until the commit), its message count, and whether it notified.
 */
export async function insertEventsWithMessages(
  tx: Queryable,
  batch: EventBatch,
  now: Date,
  messageIds: (count: number) => string[],
  options: { notify?: string; numberNow?: boolean; alsoWrite?: readonly Write[] } = {},
): Promise<{ sequences: (number | null)[]; messages: number[]; notified: boolean }> {
  const { notify, numberNow = false, alsoWrite = [] } = options;
  const keys = batch.events.map((e) => `${batch.programId} ${e.type}`);
  const ids = messageIds(keys.reduce((sum, key) => sum + (recentFanOut.get(key) ?? 1), 0));
  const params: unknown[] = [];
  const writes = writeCtes(alsoWrite, params);
  const offset = params.length;
  params.push(batch.programId, batch.occurredAt, batch.events.map((e) => e.id), batch.events.map((e) => e.type),
    bodiesParameter(batch.events.map((e) => e.body)), batch.standIn, ids, now, notify ?? null);
  const [row] = await tx.query<{ sequences: (string | null)[] | null; fanOuts: number[]; restEvents: string[]; restEndpoints: string[]; notified: boolean }>(
    `WITH ${[...writes, renumberParameters(numberNow ? numberedStatement : unnumberedStatement, offset)].join(',\n')}`,
    params,
  );
  if (!row.sequences) throw new Error(`program ${batch.programId} does not exist`);
  if (row.restEvents.length > 0) {
    const more = messageIds(row.restEvents.length);
    await tx.query(
      `INSERT INTO webhook_messages (id, program_id, endpoint_id, event_id, status, next_attempt_at, next_trigger, created_at, updated_at)
       SELECT m.id, $1, m.endpoint_id, m.event_id, 'pending', $2, 'scheduled', $2, $2
       FROM unnest($3::uuid[], $4::uuid[], $5::uuid[]) AS m (id, endpoint_id, event_id)`,
      [batch.programId, now, more, row.restEndpoints, row.restEvents],
    );
  }
  if (recentFanOut.size >= maxRemembered) recentFanOut.clear();
  keys.forEach((key, n) => recentFanOut.set(key, row.fanOuts[n]));
  return { sequences: row.sequences.map((n) => (n === null ? null : parseInt8(n))), messages: row.fanOuts, notified: row.notified };
}

/** Pending messages of one event, due at once. */
export async function insertMessages(
  tx: Queryable,
  programId: string,
  eventId: string,
  endpointIds: string[],
  ids: string[],
  now: Date,
  trigger: 'scheduled' | 'manual',
): Promise<void> {
  await tx.query(
    `INSERT INTO webhook_messages (id, program_id, endpoint_id, event_id, status, next_attempt_at, next_trigger, created_at, updated_at)
     SELECT m.id, $1, m.endpoint_id, $2, 'pending', $3, $6, $3, $3
     FROM unnest($4::uuid[], $5::uuid[]) AS m (id, endpoint_id)`,
    [programId, eventId, now, ids, endpointIds, trigger],
  );
}
