import { uuidv7 } from '../domain/ids.ts';
import { buildEventBody, type MemberSnapshot } from '../events/catalog.ts';
import type { Queryable } from '../storage/db.ts';
import { insertEventWithMessages, nextEventSequence } from '../storage/events.ts';
import { buildOperationalBody, operationalEventTypes } from './operational-events.ts';

const operational = new Set(operationalEventTypes.map((t) => t.name));

/** The channel a worker listens on to hear of new messages at once instead of at its next poll. */
export const outboxChannel = 'punchcard_outbox';

/**
 * PostgreSQL serialises the commits of notifying transactions, WAL flush included, across the
 * whole server: a NOTIFY in every event's transaction caps the events committed per second at one
 * per fsync. So a process notifies at most once in this many ms; a worker that hears a NOTIFY or
 * finds work keeps looking every few ms for a while (see DeliveryWorker), and finds the events
 * committed meanwhile without a NOTIFY of their own. (An event committed within this many ms of
 * another transaction's NOTIFY, when that transaction then runs long or rolls back, waits for the
 * worker's next poll instead.)
 */
const notifyEveryMs = 20;
/** When this process last notified (performance.now(): an interval, not a business time), and from which transaction. */
let lastNotifiedAt = -Infinity;
let lastNotifier: Queryable | undefined;

export interface EmitContext {
  program: { id: string; name: string };
  /** The program's clock: when the event happened. */
  occurredAt: Date;
  /** The instance clock: when its messages become due. */
  now: Date;
  source: string;
}

export interface EmittedEvent {
  id: string;
  sequence: number;
  type: string;
  messages: number;
}

/**
 * Records one event in the caller's transaction (the transactional outbox): it commits with the
 * change it reports or not at all. The body is built and checked against the event type's
 * schema here, so an event that does not match its documented payload is never written.
 */
export async function emitEvent(
  tx: Queryable,
  ctx: EmitContext,
  type: string,
  member: MemberSnapshot | null,
  fields: Record<string, unknown>,
): Promise<EmittedEvent> {
  const sequence = await nextEventSequence(tx, ctx.program.id);
  const id = uuidv7(ctx.occurredAt);
  const envelope = { eventId: id, occurredAt: ctx.occurredAt, program: ctx.program, sequence, member, source: ctx.source };
  const body = operational.has(type)
    ? buildOperationalBody(type, envelope, fields)
    : buildEventBody(type, envelope, fields);
  const { messages, notified } = await insertEventWithMessages(
    tx,
    { id, programId: ctx.program.id, sequence, type, body: JSON.stringify(body), occurredAt: ctx.occurredAt },
    ctx.now,
    (count) => Array.from({ length: count }, () => uuidv7(ctx.now)),
    // A transaction that has notified once needs no second NOTIFY, and must not hold back other
    // transactions' NOTIFYs for as long as it runs.
    tx !== lastNotifier && performance.now() - lastNotifiedAt >= notifyEveryMs ? outboxChannel : undefined,
  );
  // Only a NOTIFY actually sent counts: an event without messages sends none.
  if (notified) {
    lastNotifiedAt = performance.now();
    lastNotifier = tx;
  }
  return { id, sequence, type, messages };
}
