import { readFileSync } from 'node:fs';

export interface FixtureField {
  name: string;
  type: 'String' | 'Numeric' | 'Bool' | 'Object';
  description: string;
}

export interface FixtureEvent {
  name: string;
  family: 'openloyalty' | 'brevo';
  group: string;
  fires_when?: string;
  triggers?: string[];
  fields?: FixtureField[];
  example?: Record<string, unknown>;
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/events.json', import.meta.url), 'utf8')) as {
  brevo_common_fields: string[];
  events: FixtureEvent[];
};

export const brevoFixtureEvents = fixture.events.filter((event) => event.family === 'brevo');
export const openLoyaltyFixtureEvents = fixture.events.filter((event) => event.family === 'openloyalty');

/** The Brevo common fields and Punchcard's extension fields, as a receiver would see them. */
export function brevoEnvelopeSample(name: string): Record<string, unknown> {
  return {
    event_id: '0197a000-0000-7000-8000-000000000001',
    event_name: name,
    event_date: '2026-01-02T03:04:05.678Z',
    contact_id: 7,
    contact_properties: { FIRSTNAME: 'Ada', LASTNAME: null, EMAIL: 'ada@example.com', SMS: null, AGE: 36 },
    identifiers: { email_id: 'ada@example.com' },
    source: 'api',
    program_id: '27xxdd7a-af67-0020-ba65-19d60000a26e',
    sequence: 1,
  };
}
