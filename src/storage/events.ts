import type { Queryable } from './db.ts';

export interface EventRow {
  id: string;
  programId: string;
  sequence: number | null;
  type: string;
  body: string;
  occurredAt: Date;
}

/** Hands out the program's next sequence number; the row lock orders the program's events. */
export async function nextEventSequence(tx: Queryable, programId: string): Promise<number> {
  const [row] = await tx.query<{ sequence: number }>(
    `UPDATE programs SET event_sequence = event_sequence + 1 WHERE id = $1 RETURNING event_sequence AS sequence`,
    [programId],
  );
  if (!row) throw new Error(`program ${programId} does not exist`);
  return row.sequence;
}

export async function insertEvent(tx: Queryable, event: EventRow): Promise<void> {
  await tx.query(
    `INSERT INTO events (id, program_id, sequence, type, body, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [event.id, event.programId, event.sequence, event.type, event.body, event.occurredAt],
  );
}

/**
 * How many endpoints took the last event of a program and type: that many message ids are made
 * ahead for the next one, so the event and its messages go in one statement. Only a guess; a
 * miss costs one more statement. Bounded: forgotten wholesale when it grows large.
 */
const recentFanOut = new Map<string, number>();
const maxRemembered = 10_000;

/**
 * Writes the event and one pending message for every enabled endpoint of the program
 * subscribed to its type (NULL event_types: all), and NOTIFYs `notify` (at commit) if there is
 * any. One round trip in the usual case: emitting sits inside the caller's transaction, and for
 * the program's events that transaction holds the program's sequence lock.
 * Returns how many messages, and whether it notified.
 */
export async function insertEventWithMessages(
  tx: Queryable,
  event: EventRow,
  now: Date,
  messageIds: (count: number) => string[],
  notify?: string,
): Promise<{ messages: number; notified: boolean }> {
  const key = `${event.programId} ${event.type}`;
  const ids = messageIds(recentFanOut.get(key) ?? 1);
  const [row] = await tx.query<{ fanOut: number; rest: string[]; notified: boolean }>(
    `WITH event AS (
       INSERT INTO events (id, program_id, sequence, type, body, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)
     ),
     targets AS (
       SELECT id, row_number() OVER (ORDER BY id) AS n FROM webhook_endpoints
       WHERE program_id = $2 AND enabled AND (event_types IS NULL OR $4 = ANY (event_types))
     ),
     messages AS (
       INSERT INTO webhook_messages (id, program_id, endpoint_id, event_id, status, next_attempt_at, next_trigger, created_at, updated_at)
       SELECT ($7::uuid[])[t.n], $2, t.id, $1, 'pending', $8, 'scheduled', $8, $8 FROM targets t WHERE t.n <= cardinality($7::uuid[])
     )
     SELECT count(*)::int AS "fanOut",
            COALESCE(array_agg(id ORDER BY n) FILTER (WHERE n > cardinality($7::uuid[])), '{}') AS rest,
            -- pg_notify returns void, which as text is '' (not NULL): true when it was called.
            (CASE WHEN count(*) > 0 AND $9::text IS NOT NULL THEN pg_notify($9, '')::text END) IS NOT NULL AS notified
     FROM targets`,
    [event.id, event.programId, event.sequence, event.type, event.body, event.occurredAt, ids, now, notify ?? null],
  );
  if (row.rest.length > 0) {
    await insertMessages(tx, event.programId, event.id, row.rest, messageIds(row.rest.length), now, 'scheduled');
  }
  if (recentFanOut.size >= maxRemembered) recentFanOut.clear();
  recentFanOut.set(key, row.fanOut);
  return { messages: row.fanOut, notified: row.notified };
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
