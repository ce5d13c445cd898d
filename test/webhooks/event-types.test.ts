import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEventTypes } from '../../src/events/registry.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { expectValidPayload } from './payloads.ts';

/** The catalog as the seed documents give it: 43 events, each with its family. */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/events.json', import.meta.url), 'utf8')) as {
  events: { name: string; family: string; group: string }[];
};
const operationalNames = ['endpoint.disabled'];

let h: Harness;
let program: { id: string; key: string };
beforeAll(async () => {
  h = await startHarness();
  program = await h.newProgram();
});
afterAll(async () => {
  await h?.close();
});

const eventTypes = async (key?: string) => {
  const response = await h.call('GET', '/v1/event-types', { key });
  expect(response.statusCode).toBe(200);
  return response.json().data as { name: string; family: string; group: string; description: string; schema: any; example: any }[];
};

describe('GET /v1/event-types', () => {
  it('lists the 43 catalog events and endpoint.disabled, each once', async () => {
    const types = await eventTypes(program.key);
    expect(fixture.events).toHaveLength(43);
    const names = types.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...fixture.events.map((e) => e.name), ...operationalNames].sort());
  });

  it('gives each its family, group, a description, a JSON Schema of the body and an example that matches it', async () => {
    const types = await eventTypes(program.key);
    for (const type of types) {
      const documented = fixture.events.find((e) => e.name === type.name);
      expect(type.family, type.name).toBe(documented ? documented.family : 'operational');
      expect(type.group, type.name).toBe(documented ? documented.group : 'webhooks');
      // The schema served is the one deliveries are checked against, whole.
      const inCode = allEventTypes().find((t) => t.name === type.name)!;
      expect(type.schema, type.name).toEqual(JSON.parse(JSON.stringify(inCode.schema)));
      expect(type.description.length, type.name).toBeGreaterThan(0);
      expect(type.schema, type.name).toMatchObject({ type: 'object', properties: expect.any(Object) });
      expect(type.example, type.name).toEqual(expect.any(Object));
      // The example, as served over HTTP, is a valid body of its own type.
      expectValidPayload(type.example);
      expect(type.example.event_name ?? type.example.type).toBe(type.name);
    }
  });

  it('is open to any key, admin or program, and to no one without a key', async () => {
    expect(await eventTypes(h.adminKey)).toHaveLength(44);
    expect(await eventTypes(program.key)).toHaveLength(44);
    const anonymous = await h.call('GET', '/v1/event-types', { key: '' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 with a webhooks entry for every event type, keyed by its exact name, whose body schema is the event type schema', async () => {
    const response = await h.call('GET', '/openapi.json', { key: '' });
    expect(response.statusCode).toBe(200);
    const spec = response.json();
    expect(spec.openapi).toMatch(/^3\.1\.\d+$/);
    const types = await eventTypes(program.key);
    expect(Object.keys(spec.webhooks).sort()).toEqual(types.map((t) => t.name).sort());
    for (const type of types) {
      const post = spec.webhooks[type.name].post;
      expect(post, type.name).toBeDefined();
      const body = post.requestBody.content['application/json'];
      expect(body.schema, type.name).toEqual(type.schema);
      expect(body.example, type.name).toEqual(type.example);
      // What a receiver gets with every delivery: the Standard Webhooks headers.
      const headers = post.parameters.filter((p: any) => p.in === 'header').map((p: any) => p.name);
      expect(headers).toEqual(expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']));
    }
  });

  it('documents the webhook endpoint API', async () => {
    const spec = (await h.call('GET', '/openapi.json', { key: '' })).json();
    const paths = spec.paths as Record<string, Record<string, unknown>>;
    const endpointPaths = Object.keys(paths).filter((p) => p.startsWith('/v1/webhook-endpoints'));
    expect(endpointPaths).toEqual(expect.arrayContaining([
      '/v1/webhook-endpoints',
      '/v1/webhook-endpoints/{endpointId}',
      '/v1/webhook-endpoints/{endpointId}/rotate-secret',
      '/v1/webhook-endpoints/{endpointId}/enable',
      '/v1/webhook-endpoints/{endpointId}/disable',
    ]));
    expect(Object.keys(paths['/v1/webhook-endpoints/{endpointId}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(paths['/v1/event-types']).toHaveProperty('get');
  });
});
