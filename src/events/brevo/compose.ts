import type { EventContext } from '../context.ts';
import { rejectReservedKeys } from '../reserved-keys.ts';
import { contactIdentifiers, contactProperties } from './contact.ts';
import { brevoEnvelopeKeys } from './envelope-schema.ts';

/**
 * A Brevo-family body: the documented attributes (`fields`, already nested) plus the fields Brevo
 * adds to every loyalty payload and Punchcard's program_id/sequence. `loyalty_program` defaults to
 * the context's program. The result is not validated here; buildEventBody does that. It shares
 * `fields`' objects: buildEventBody copies them first, eventBodyText serialises at once.
 */
export function composeBrevoBody(
  name: string,
  ctx: EventContext,
  fields: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  rejectReservedKeys(name, fields, brevoEnvelopeKeys);
  const program = fields.loyalty_program as { id?: unknown } | undefined;
  if (program !== undefined && program?.id !== ctx.program.id) {
    throw new Error(`Event ${name}: loyalty_program.id ${String(program?.id)} is not the event's program ${ctx.program.id}`);
  }
  const member = ctx.member;
  return {
    event_id: ctx.eventId,
    event_name: name,
    event_date: ctx.occurredAt.toISOString(),
    // Without a member the body fails validation (contact_id must be an integer), by design.
    contact_id: member ? member.contactId : null,
    contact_properties: member ? contactProperties(member) : {},
    identifiers: member ? contactIdentifiers(member) : {},
    source: ctx.source,
    program_id: ctx.program.id,
    sequence: ctx.sequence,
    loyalty_program: { id: ctx.program.id, name: ctx.program.name },
    ...fields,
  };
}
