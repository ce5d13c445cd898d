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
 * Writes the event and one pending message for every enabled endpoint of the program
 * subscribed to its type (NULL event_types: all). Returns how many messages.
 */
export async function insertEventWithMessages(
  tx: Queryable,
  event: EventRow,
  now: Date,
  messageIds: (count: number) => string[],
): Promise<number> {
  await insertEvent(tx, event);
  const endpoints = await tx.query<{ id: string }>(
    `SELECT id FROM webhook_endpoints
     WHERE program_id = $1 AND enabled AND (event_types IS NULL OR $2 = ANY (event_types))`,
    [event.programId, event.type],
  );
  if (endpoints.length === 0) return 0;
  await insertMessages(tx, event.programId, event.id, endpoints.map((e) => e.id), messageIds(endpoints.length), now, 'scheduled');
  return endpoints.length;
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
