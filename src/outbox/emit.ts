import { uuidv7 } from '../domain/ids.ts';
import { eventBodyText, type MemberSnapshot } from '../events/catalog.ts';
import type { Queryable } from '../storage/db.ts';
import { insertEventsWithMessages } from '../storage/events.ts';
import { runWrites, type Write } from '../storage/writes.ts';
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
  /** Null until the transaction commits, when the event is numbered (unless emitted with `numberNow`). */
  sequence: number | null;
  type: string;
  messages: number;
}

export interface EventToEmit {
  type: string;
  member: MemberSnapshot | null;
  fields: Record<string, unknown>;
}

/**
 * Stands for the sequence number in a body until the event is numbered: at COMMIT by the
 * deferred trigger of migration 0010 (which knows this exact text), or by the writing statement
 * with `numberNow`. The largest safe integer, so a body holding it is valid against the schema;
 * it must occur exactly once in a body (checked in emitEvents).
 */
const sequenceStandIn = Number.MAX_SAFE_INTEGER;
const standInText = `"sequence":${sequenceStandIn}`;

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
  const [emitted] = await emitEvents(tx, ctx, [{ type, member, fields }]);
  return emitted;
}

/**
 * Records the events of one change, in this order, in the caller's transaction, with one
 * statement for the events and their messages. They are numbered when the transaction commits
 * (the program's gap-free sequence, in commit order): the program's sequence row is locked only
 * during the commit, so concurrent writes of one program do not wait for each other's round
 * trips. `numberNow` numbers them in the statement instead, locking that row until the
 * transaction ends — for a sweep or a group commit writing many events in one transaction, where numbering
 * them one by one at commit would cost more than the lock. `alsoWrite`: the change's own writes,
 * sent in the same statement, before the events (see insertEventsWithMessages).
 */
export async function emitEvents(
  tx: Queryable, ctx: EmitContext, events: readonly EventToEmit[], options: WriteEventsOptions = {},
): Promise<EmittedEvent[]> {
  return writeEvents(tx, ctx, prepareEvents(ctx, events), options);
}

/** Events whose bodies are built and checked, ready to be written by writeEvents. */
export interface PreparedEvent {
  id: string;
  type: string;
  body: string;
}

/**
 * The CPU half of emitEvents: builds and checks the bodies. A sweep prepares its next batch while
 * the database writes the previous one.
 */
export function prepareEvents(ctx: EmitContext, events: readonly EventToEmit[]): PreparedEvent[] {
  return events.map(({ type, member, fields }) => {
    const id = uuidv7(ctx.occurredAt);
    const envelope = { eventId: id, occurredAt: ctx.occurredAt, program: ctx.program, sequence: sequenceStandIn, member, source: ctx.source };
    const body = operational.has(type) ? JSON.stringify(buildOperationalBody(type, envelope, fields)) : eventBodyText(type, envelope, fields);
    // The stand-in must be the envelope's and only it (a field holding the same text would be renumbered too).
    const at = body.indexOf(standInText);
    if (at < 0 || body.indexOf(standInText, at + 1) >= 0) throw new Error(`event ${type}: the sequence stand-in is not unique in its body`);
    return { id, type, body };
  });
}

export interface WriteEventsOptions {
  numberNow?: boolean;
  alsoWrite?: readonly Write[];
}

/** The database half of emitEvents: writes prepared events and their messages (and `alsoWrite`) with one statement. */
export async function writeEvents(
  tx: Queryable, ctx: EmitContext, rows: PreparedEvent[], options: WriteEventsOptions = {},
): Promise<EmittedEvent[]> {
  if (rows.length === 0) {
    await runWrites(tx, options.alsoWrite ?? []);
    return [];
  }
  const { sequences, messages, notified } = await insertEventsWithMessages(
    tx,
    { programId: ctx.program.id, occurredAt: ctx.occurredAt, events: rows, standIn: standInText },
    ctx.now,
    (count) => Array.from({ length: count }, () => uuidv7(ctx.now)),
    {
      // A transaction that has notified once needs no second NOTIFY, and must not hold back other
      // transactions' NOTIFYs for as long as it runs.
      notify: tx !== lastNotifier && performance.now() - lastNotifiedAt >= notifyEveryMs ? outboxChannel : undefined,
      numberNow: options.numberNow,
      alsoWrite: options.alsoWrite,
    },
  );
  // Only a NOTIFY actually sent counts: events without messages send none.
  if (notified) {
    lastNotifiedAt = performance.now();
    lastNotifier = tx;
  }
  return rows.map((row, n) => ({ id: row.id, sequence: sequences[n], type: row.type, messages: messages[n] }));
}
