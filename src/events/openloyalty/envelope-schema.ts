import { Type } from 'typebox';
import { closedObject, integer, nullableText, uuid } from '../schema-kit.ts';

export const customer = closedObject(
  {
    customerId: uuid('Punchcard member id'),
    contactId: integer('Numeric contact id of the member', { minimum: 1 }),
    email: nullableText('E-mail address'),
    phone: nullableText('Phone number'),
    loyaltyCardNumber: nullableText('Loyalty card number'),
    firstName: nullableText('First name'),
    lastName: nullableText('Last name'),
  },
  'The member the event is about, as they were when the event happened',
);

/** The members of `data` that every Open Loyalty-family event carries. */
export const openLoyaltyDataEnvelope = {
  programId: Type.String({ minLength: 1, description: 'Punchcard program id' }),
  sequence: integer('Per-program sequence number: increases by one with every event of the program', { minimum: 1 }),
  eventId: Type.String({
    minLength: 1,
    description: 'Unique id of the event; equals the `webhook-id` header and stays the same across retries',
  }),
  customer,
} as const;

export const openLoyaltyDataEnvelopeKeys: readonly string[] = Object.keys(openLoyaltyDataEnvelope);
