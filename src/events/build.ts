import { composeBrevoBody } from './brevo/compose.ts';
import type { EventContext } from './context.ts';
import { findEventType } from './event-types.ts';
import { composeOpenLoyaltyBody } from './openloyalty/compose.ts';
import { validateEventBody } from './validate.ts';

/**
 * The body to deliver for one event: the envelope filled from `ctx` around the event's own
 * `fields` (see EventFields). Throws when the event is unknown or the body does not match its
 * schema, because an event that does not match its documented payload must never be sent.
 */
export function buildEventBody(
  name: string,
  ctx: EventContext,
  fields: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const type = findEventType(name);
  if (!type) throw new Error(`Unknown webhook event type "${name}"`);
  const body =
    type.family === 'brevo' ? composeBrevoBody(name, ctx, fields) : composeOpenLoyaltyBody(name, ctx, fields);
  const result = validateEventBody(name, body);
  if (!result.ok) throw new Error(`Event ${name} does not match its schema: ${result.errors.join('; ')}`);
  return body;
}
