import { renderWebhookEventsMarkdown } from './reference-markdown.ts';

// Regenerates the event reference: node src/events/print-reference.ts > docs/webhook-events.md
process.stdout.write(renderWebhookEventsMarkdown());
