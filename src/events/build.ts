import { composeBrevoBody } from './brevo/compose.ts';
import type { EventContext } from './context.ts';
import { findEventType } from './event-types.ts';
import { composeOpenLoyaltyBody } from './openloyalty/compose.ts';
import { validateEventBody } from './validate.ts';

/** The envelope filled from `ctx` around `fields`, checked against the event's schema; shares `fields`' objects. */
function composeChecked(name: string, ctx: EventContext, fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const type = findEventType(name);
  if (!type) throw new Error(`Unknown webhook event type "${name}"`);
  const body =
    type.family === 'brevo' ? composeBrevoBody(name, ctx, fields) : composeOpenLoyaltyBody(name, ctx, fields);
  const result = validateEventBody(name, body);
  if (!result.ok) throw new Error(`Event ${name} does not match its schema: ${result.errors.join('; ')}`);
  return body;
}

/**
 * The body to deliver for one event: the envelope filled from `ctx` around the event's own
 * `fields` (see EventFields), detached from the caller's objects. Throws when the event is
 * unknown or the body does not match its schema, because an event that does not match its
 * documented payload must never be sent.
 */
export function buildEventBody(
  name: string,
  ctx: EventContext,
  fields: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return composeChecked(name, ctx, structuredClone(fields));
}

/**
 * buildEventBody's body as the JSON text that is stored and delivered. Serialised at once, so it
 * needs no copy of the caller's objects (the copy cost as much as the rest on the ledger's path).
 */
export function eventBodyText(name: string, ctx: EventContext, fields: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(composeChecked(name, ctx, fields));
}
