import type { EventContext, MemberSnapshot } from '../context.ts';
import { rejectReservedKeys } from '../reserved-keys.ts';
import { openLoyaltyDataEnvelopeKeys } from './envelope-schema.ts';

/**
 * An Open Loyalty-family body in the Standard Webhooks payload shape: `{type, timestamp, data}`,
 * with the subject's own fields next to the envelope members of `data`. Not validated here;
 * buildEventBody does that. It shares `fields`' objects:
 * buildEventBody copies them first, eventBodyText serialises at once.
 */
export function composeOpenLoyaltyBody(
  name: string,
  ctx: EventContext,
  fields: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  rejectReservedKeys(name, fields, openLoyaltyDataEnvelopeKeys);
  return {
    type: name,
    timestamp: ctx.occurredAt.toISOString(),
    data: {
      programId: ctx.program.id,
      sequence: ctx.sequence,
      eventId: ctx.eventId,
      customer: ctx.member ? customerOf(ctx.member) : null,
      ...fields,
    },
  };
}

function customerOf(member: MemberSnapshot) {
  return {
    customerId: member.id,
    contactId: member.contactId,
    email: member.email,
    phone: member.phone,
    loyaltyCardNumber: member.cardId,
    firstName: member.firstName,
    lastName: member.lastName,
  };
}
