import { uuidv7 } from '../domain/ids.ts';
import { conflict, invalidInput, notFound } from '../domain/problem.ts';
import { allEventTypes } from '../events/registry.ts';
import { outboxChannel } from '../outbox/emit.ts';
import { insertEvent, insertMessages } from '../storage/events.ts';
import type { Queryable } from '../storage/db.ts';
import { toPage, type PageRequest } from '../storage/pagination.ts';
import * as endpoints from '../storage/webhook-endpoints.ts';
import * as messages from '../storage/webhook-messages.ts';
import type { AttemptRow, MessageRow } from '../storage/webhook-messages.ts';
import type { ServiceContext } from './context.ts';

export function messageView(row: MessageRow) {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    sequence: row.sequence,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt?.toISOString() ?? null : null,
    lastStatusCode: row.lastStatusCode,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function attemptView(row: AttemptRow) {
  return { ...row, attemptedAt: row.attemptedAt.toISOString() };
}

/**
 * The endpoint, enough to send it messages: its credentials stay sealed here, so its messages and
 * attempts can be looked at (and resent) even when they do not open.
 */
async function loadEndpoint(tx: Queryable, programId: string, endpointId: string) {
  const endpoint = await endpoints.findEndpointState(tx, programId, endpointId);
  if (!endpoint) throw notFound('webhook endpoint', endpointId);
  return endpoint;
}

export async function listEndpointMessages(
  ctx: ServiceContext, programId: string, endpointId: string, status: string | null, page: PageRequest,
) {
  await loadEndpoint(ctx.db, programId, endpointId);
  return toPage(await messages.listMessages(ctx.db, endpointId, status, page), page.limit, messageView);
}

async function loadMessage(ctx: ServiceContext, programId: string, endpointId: string, messageId: string) {
  await loadEndpoint(ctx.db, programId, endpointId);
  const row = await messages.findMessage(ctx.db, endpointId, messageId);
  if (!row) throw notFound('webhook message', messageId);
  return row;
}

export async function getMessage(ctx: ServiceContext, programId: string, endpointId: string, messageId: string) {
  return messageView(await loadMessage(ctx, programId, endpointId, messageId));
}

export async function listMessageAttempts(
  ctx: ServiceContext, programId: string, endpointId: string, messageId: string, page: PageRequest,
) {
  await loadMessage(ctx, programId, endpointId, messageId);
  return toPage(await messages.listAttempts(ctx.db, messageId, page), page.limit, attemptView);
}

/** Sends one message again now (a manual attempt), whatever became of it. */
export async function resendMessage(ctx: ServiceContext, programId: string, endpointId: string, messageId: string) {
  await loadMessage(ctx, programId, endpointId, messageId);
  await ctx.db.transaction(async (tx) => {
    await messages.requeueMessage(tx, messageId, ctx.clock.now());
    await tx.query(`SELECT pg_notify($1, '')`, [outboxChannel]);
  });
  return getMessage(ctx, programId, endpointId, messageId);
}

/** Sends again every failed message of the endpoint created since `since`. */
export async function recoverFailedMessages(ctx: ServiceContext, programId: string, endpointId: string, since: string) {
  const from = new Date(since);
  if (Number.isNaN(from.getTime())) throw invalidInput('/since', `"${since}" is not a date-time`);
  return ctx.db.transaction(async (tx) => {
    await loadEndpoint(tx, programId, endpointId);
    const requeued = await messages.requeueFailedSince(tx, endpointId, from, ctx.clock.now());
    if (requeued > 0) await tx.query(`SELECT pg_notify($1, '')`, [outboxChannel]);
    return { requeued };
  });
}

/**
 * Sends the example payload of an event type to one endpoint, as a test: it gets a fresh event
 * id and no place in the program's sequence, and goes out whatever the endpoint subscribes to.
 */
export async function sendTestEvent(ctx: ServiceContext, programId: string, endpointId: string, eventType: string) {
  const type = allEventTypes().find((t) => t.name === eventType);
  if (!type) throw invalidInput('/eventType', `"${eventType}" is not an event type (GET /v1/event-types)`);
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const endpoint = await loadEndpoint(tx, programId, endpointId);
    if (!endpoint.enabled) throw conflict('the endpoint is disabled; enable it first');
    const eventId = uuidv7(now);
    const messageId = uuidv7(now);
    const body = testEventBody(type.example as Record<string, unknown>, eventId, now);
    await insertEvent(tx, { id: eventId, programId, sequence: null, type: type.name, body: JSON.stringify(body), occurredAt: now });
    await insertMessages(tx, programId, eventId, [endpoint.id], [messageId], now, 'manual');
    await tx.query(`SELECT pg_notify($1, '')`, [outboxChannel]);
    return { eventId, messageId };
  });
}

/**
 * A test event is the type's example with its own id and time, so `webhook-id` matches the id
 * in the body as it does for real events. Its sequence stays the example's: a test event has no
 * place in the program's sequence.
 */
function testEventBody(example: Record<string, unknown>, eventId: string, now: Date): Record<string, unknown> {
  if ('event_id' in example) return { ...example, event_id: eventId, event_date: now.toISOString() };
  const data = example.data as Record<string, unknown>;
  return { ...example, timestamp: now.toISOString(), data: { ...data, eventId } };
}
