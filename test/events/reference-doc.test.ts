import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventTypes } from '../../src/events/catalog.ts';
import { renderWebhookEventsMarkdown } from '../../src/events/reference-markdown.ts';

const doc = readFileSync(new URL('../../docs/webhook-events.md', import.meta.url), 'utf8');

describe('docs/webhook-events.md', () => {
  it('is the output of the generator (regenerate: node src/events/print-reference.ts > docs/webhook-events.md)', () => {
    expect(doc).toBe(renderWebhookEventsMarkdown());
  });

  it('has a section for each of the 43 events with its description and every field', () => {
    for (const type of eventTypes) {
      const start = doc.indexOf(`#### \`${type.name}\`\n`);
      expect(start, type.name).toBeGreaterThan(0);
      const section = doc.slice(start, doc.indexOf('</details>', start));
      expect(section).toContain(type.description.split('\n')[0]);
      const prefix = type.family === 'openloyalty' ? 'data.' : '';
      for (const field of Object.keys(type.fields.properties)) expect(section, `${type.name} ${field}`).toContain(`\`${prefix}${field}`);
    }
  });

  it('documents both body shapes and the common and extension fields', () => {
    for (const field of ['event_id', 'event_name', 'event_date', 'contact_id', 'contact_properties', 'identifiers', 'source', 'program_id', 'sequence']) {
      expect(doc).toContain(`| \`${field}\` |`);
    }
    for (const field of ['type', 'timestamp', 'data.programId', 'data.sequence', 'data.eventId', 'data.customer.customerId']) {
      expect(doc).toContain(`| \`${field}\` |`);
    }
  });
});
