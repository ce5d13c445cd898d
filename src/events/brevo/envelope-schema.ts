import { Type } from 'typebox';
import { dateTime, integer, openMap, scalarValue, text } from '../schema-kit.ts';

/** The fields Brevo adds to every loyalty payload. */
export const brevoCommonProperties = {
  event_id: Type.String({
    minLength: 1,
    description: 'Unique id of the event; equals the `webhook-id` header and stays the same across retries.',
  }),
  event_name: text('The event name, e.g. `balance_value_updated`.'),
  event_date: dateTime('When the change happened (ISO 8601, UTC, milliseconds).'),
  contact_id: integer('Numeric contact id of the member the event is about.', { minimum: 1 }),
  contact_properties: openMap(
    scalarValue,
    'Contact attributes at the time of the event: `FIRSTNAME`, `LASTNAME`, `EMAIL`, `SMS` (null when unknown) and the member\'s custom attributes.',
  ),
  identifiers: openMap(
    Type.String(),
    'Ways to identify the contact, each present only when known: `email_id` (e-mail), `phone_id` (phone), `ext_id` (loyalty card number), `loyalty_subscription_id` (subscription).',
  ),
  source: Type.String({
    minLength: 1,
    description: 'What initiated the change: `api`, `admin`, `member`, `scheduler`, `campaign` or `import`.',
  }),
} as const;

/** Punchcard's extension: every payload names its program and carries its per-program sequence number. */
export const brevoExtensionProperties = {
  program_id: Type.String({ minLength: 1, description: 'Punchcard program id (same as `loyalty_program.id`).' }),
  sequence: integer('Per-program sequence number: increases by one with every event of the program, so gaps and order are visible.', {
    minimum: 1,
  }),
} as const;

export const brevoEnvelopeProperties = { ...brevoCommonProperties, ...brevoExtensionProperties } as const;

export const brevoEnvelopeKeys: readonly string[] = Object.keys(brevoEnvelopeProperties);
