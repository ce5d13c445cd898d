import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { allEventTypes } from '../../events/registry.ts';

/**
 * OpenAPI 3.1 `webhooks`: one entry per event type, keyed by its exact name, describing the
 * POST a subscribed endpoint receives.
 */
export function openapiWebhooks(): Record<string, unknown> {
  return Object.fromEntries(
    allEventTypes().map((type) => [
      type.name,
      {
        post: {
          summary: type.name,
          description: type.description,
          tags: [type.family],
          parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
            name, in: 'header', required: true, schema: { type: 'string' },
          })),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: type.schema, example: type.example } },
          },
          responses: { '2XX': { description: 'received; any other answer is retried' } },
        },
      },
    ]),
  );
}

/** OpenAPI 3.1 from the routes' own TypeBox schemas, at /openapi.json, with a reference page at /docs. */
export const openapiPlugin = fp(async (app: FastifyInstance, options: { webhooks?: Record<string, unknown> }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Punchcard API',
        version: '0.1.0',
        description:
          'Loyalty engine: programs, members, balances, campaigns, tiers, rewards, and signed webhooks for every change. ' +
          'Authenticate with `Authorization: Bearer <key>`. Errors are RFC 9457 problem details.',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an admin or program API key' } },
      },
      security: [{ apiKey: [] }],
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    } as Record<string, unknown>,
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) ?? `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { auth: 'none' } }, async () => app.swagger());
});
