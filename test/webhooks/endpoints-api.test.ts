import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Receiver } from '../support/receiver.ts';
import type { Harness } from '../support/harness.ts';
import { useWebhookTestBed } from './test-bed.ts';
import { expectNotFound, expectProblem, registerMember } from './api.ts';
import { eventNameOf, expectValidPayloads } from './payloads.ts';

let h: Harness;
let receiver: Receiver;
let program: { id: string; key: string };

useWebhookTestBed((bed) => ({ h, receiver, program } = bed));

const base = '/v1/webhook-endpoints';
const call = (method: string, url: string, body?: unknown, key = program.key) => h.call(method, url, { key, body });

async function create(body: Record<string, unknown> = {}, key = program.key) {
  const response = await call('POST', base, { url: `${receiver.url}/hooks`, ...body }, key);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}
const get = async (id: string, key = program.key) => (await call('GET', `${base}/${id}`, undefined, key)).json();
const list = async (key = program.key) => (await call('GET', `${base}?limit=200`, undefined, key)).json().data;
/** Registers a member and delivers everything due; returns what arrived. */
async function registerAndDeliver() {
  const before = receiver.received.length;
  await registerMember(h.call, program.key);
  await h.newWorker().drain();
  const arrived = receiver.received.slice(before);
  expectValidPayloads(arrived);
  return arrived;
}
/** The secret and the auth secrets must never come back after creation. */
function expectNoSecrets(response: LightMyRequestResponse, ...secrets: string[]) {
  expect(response.statusCode, response.body).toBeLessThan(300);
  const items = Array.isArray(response.json().data) ? response.json().data : [response.json()];
  for (const item of items) expect(item).not.toHaveProperty('secret');
  for (const secret of secrets) expect(response.body).not.toContain(secret);
}

describe('create', () => {
  it('creates an endpoint with defaults and shows its whsec_ signing secret once', async () => {
    const response = await call('POST', base, { url: `${receiver.url}/hooks` });
    expect(response.statusCode).toBe(201);
    const ep = response.json();
    expect(ep).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: `${receiver.url}/hooks`,
      description: '',
      eventTypes: null,
      bearerToken: null,
      basicAuth: null,
      headers: {},
      timeoutMs: 15_000,
      maxConcurrency: 10,
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      failingSince: null,
      previousSecretExpiresAt: null,
      createdAt: h.clock.now().toISOString(),
      updatedAt: h.clock.now().toISOString(),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
    });
    // 32 random bytes: the upper end of what Standard Webhooks recommends.
    expect(Buffer.from(ep.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const secret = ep.secret.slice('whsec_'.length);

    const { secret: _secret, ...withoutSecret } = ep;
    const fetched = await call('GET', `${base}/${ep.id}`);
    expectNoSecrets(fetched, secret);
    expect(fetched.json()).toEqual(withoutSecret);
    expectNoSecrets(await call('GET', base), secret);
    expectNoSecrets(await call('PATCH', `${base}/${ep.id}`, { description: 'CRM' }), secret);
    expectNoSecrets(await call('POST', `${base}/${ep.id}/disable`), secret);
    expectNoSecrets(await call('POST', `${base}/${ep.id}/enable`), secret);
  });

  it('stores every field, and never shows the bearer token or the basic-auth password back', async () => {
    const bearer = await create({
      description: 'CRM sync',
      eventTypes: ['CustomerRegistered', 'subscription_created'],
      bearerToken: 'tok-very-secret',
      headers: { 'X-Tenant': 'acme', 'x-trace': 'on' },
      timeoutMs: 1000,
      maxConcurrency: 3,
    });
    expect(bearer).toMatchObject({
      description: 'CRM sync',
      eventTypes: ['CustomerRegistered', 'subscription_created'],
      bearerToken: 'set',
      basicAuth: null,
      headers: { 'X-Tenant': 'acme', 'x-trace': 'on' },
      timeoutMs: 1000,
      maxConcurrency: 3,
    });
    expect(JSON.stringify(bearer)).not.toContain('tok-very-secret');
    expectNoSecrets(await call('GET', `${base}/${bearer.id}`), 'tok-very-secret');

    const basic = await create({ basicAuth: { username: 'crm', password: 'pw-very-secret' }, timeoutMs: 60_000 });
    expect(basic).toMatchObject({ bearerToken: null, basicAuth: { username: 'crm' }, timeoutMs: 60_000 });
    expect(JSON.stringify(basic)).not.toContain('pw-very-secret');
    expectNoSecrets(await call('GET', base), 'tok-very-secret', 'pw-very-secret');
  });

  it('lets an admin key create for the program named in Punchcard-Program', async () => {
    const response = await h.call('POST', base, {
      body: { url: `${receiver.url}/hooks` },
      headers: { 'punchcard-program': program.id },
    });
    expect(response.statusCode).toBe(201);
    expect((await list()).map((e: any) => e.id)).toEqual([response.json().id]);
    const unknownProgram = await h.call('POST', base, {
      body: { url: `${receiver.url}/hooks` },
      headers: { 'punchcard-program': '01950000-0000-7000-8000-000000000999' },
    });
    expectNotFound(unknownProgram);
  });
});

describe('list', () => {
  it('pages through every endpoint with a cursor, in creation order', async () => {
    expect(await list()).toEqual([]);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await create({ description: `#${i}` })).id);

    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await call('GET', `${base}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode).toBe(200);
      const page = response.json();
      pages.push(page.data.length);
      seen.push(...page.data.map((e: any) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null && pages.length < 10);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(created);

    const all = (await call('GET', base)).json();
    expect(all.data.map((e: any) => e.id)).toEqual(created);
    expect(all.nextCursor).toBeNull();
    // Exactly one full page: no next page announced.
    const exact = (await call('GET', `${base}?limit=5`)).json();
    expect(exact.data).toHaveLength(5);
    expect(exact.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not hand out, and a limit out of range', async () => {
    expectProblem(await call('GET', `${base}?cursor=not-a-cursor`), 422, /cursor$/);
    expectProblem(await call('GET', `${base}?limit=0`), 400, /limit$/);
    expectProblem(await call('GET', `${base}?limit=201`), 400, /limit$/);
  });
});

describe('get', () => {
  it('answers 404 for an endpoint that does not exist', async () => {
    expectNotFound(await call('GET', `${base}/01950000-0000-7000-8000-000000000999`));
  });
});

describe('update', () => {
  it('changes what is given and keeps the rest', async () => {
    const ep = await create({ description: 'before', headers: { 'x-a': '1' }, timeoutMs: 5000 });
    h.clock.advance(60_000);
    const response = await call('PATCH', `${base}/${ep.id}`, { url: `${receiver.url}/moved`, description: 'after', maxConcurrency: 2 });
    expect(response.statusCode).toBe(200);
    const updated = response.json();
    expect(updated).toMatchObject({
      url: `${receiver.url}/moved`, description: 'after', maxConcurrency: 2,
      headers: { 'x-a': '1' }, timeoutMs: 5000, eventTypes: null, createdAt: ep.createdAt,
      updatedAt: h.clock.now().toISOString(),
    });
    expect(await get(ep.id)).toEqual(updated);
    const [delivered] = await registerAndDeliver();
    expect(delivered.path).toBe('/moved');
  });

  it('switches between a list of event types and all of them (null)', async () => {
    const ep = await create({ eventTypes: ['CustomerRegistered'] });
    expect((await registerAndDeliver()).map((r) => eventNameOf(r.json))).toEqual(['CustomerRegistered']);

    const all = await call('PATCH', `${base}/${ep.id}`, { eventTypes: null });
    expect(all.json().eventTypes).toBeNull();
    const everything = (await registerAndDeliver()).map((r) => eventNameOf(r.json));
    expect(everything).toEqual(expect.arrayContaining(['CustomerRegistered', 'subscription_created']));

    const some = await call('PATCH', `${base}/${ep.id}`, { eventTypes: ['subscription_created'] });
    expect(some.json().eventTypes).toEqual(['subscription_created']);
    // Leaving eventTypes out of an update keeps them.
    await call('PATCH', `${base}/${ep.id}`, { description: 'only subscriptions' });
    expect((await get(ep.id)).eventTypes).toEqual(['subscription_created']);
    expect((await registerAndDeliver()).map((r) => eventNameOf(r.json))).toEqual(['subscription_created']);
  });

  it('keeps bearer token and basic auth exclusive, and clears them with null', async () => {
    const ep = await create({ eventTypes: ['subscription_created'], bearerToken: 'tok-1' });
    const [withBearer] = await registerAndDeliver();
    expect(withBearer.headers.authorization).toBe('Bearer tok-1');

    // Setting basic auth replaces the bearer token.
    const basic = (await call('PATCH', `${base}/${ep.id}`, { basicAuth: { username: 'crm', password: 'pw' } })).json();
    expect(basic).toMatchObject({ bearerToken: null, basicAuth: { username: 'crm' } });
    const [withBasic] = await registerAndDeliver();
    expect(withBasic.headers.authorization).toBe(`Basic ${Buffer.from('crm:pw').toString('base64')}`);

    // And a bearer token replaces basic auth.
    const bearer = (await call('PATCH', `${base}/${ep.id}`, { bearerToken: 'tok-2' })).json();
    expect(bearer).toMatchObject({ bearerToken: 'set', basicAuth: null });
    const [withBearer2] = await registerAndDeliver();
    expect(withBearer2.headers.authorization).toBe('Bearer tok-2');

    // Both at once is refused, and changes nothing.
    const before = await get(ep.id);
    expectProblem(await call('PATCH', `${base}/${ep.id}`, { bearerToken: 'tok-3', basicAuth: { username: 'u', password: 'p' } }), 422, '/basicAuth');
    expect(await get(ep.id)).toEqual(before);

    // null clears.
    const cleared = (await call('PATCH', `${base}/${ep.id}`, { bearerToken: null })).json();
    expect(cleared).toMatchObject({ bearerToken: null, basicAuth: null });
    const [withoutAuth] = await registerAndDeliver();
    expect(withoutAuth.headers.authorization).toBeUndefined();

    await call('PATCH', `${base}/${ep.id}`, { basicAuth: { username: 'crm', password: '' } });
    const clearedBasic = (await call('PATCH', `${base}/${ep.id}`, { basicAuth: null })).json();
    expect(clearedBasic).toMatchObject({ bearerToken: null, basicAuth: null });
    const [withoutBasic] = await registerAndDeliver();
    expect(withoutBasic.headers.authorization).toBeUndefined();
  });

  it('replaces the custom headers, which are sent with every delivery, and clears them with {}', async () => {
    const ep = await create({ eventTypes: ['subscription_created'], headers: { 'x-tenant': 'acme', 'x-old': 'yes' } });
    const [first] = await registerAndDeliver();
    expect(first.headers).toMatchObject({ 'x-tenant': 'acme', 'x-old': 'yes' });

    const updated = (await call('PATCH', `${base}/${ep.id}`, { headers: { 'X-Tenant': 'globex' } })).json();
    expect(updated.headers).toEqual({ 'X-Tenant': 'globex' });
    const [second] = await registerAndDeliver();
    expect(second.headers['x-tenant']).toBe('globex');
    expect(second.headers['x-old']).toBeUndefined();

    expect((await call('PATCH', `${base}/${ep.id}`, { headers: {} })).json().headers).toEqual({});
    const [third] = await registerAndDeliver();
    expect(third.headers['x-tenant']).toBeUndefined();
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    expectNotFound(await call('PATCH', `${base}/01950000-0000-7000-8000-000000000999`, { description: 'x' }));
  });
});

describe('delete', () => {
  it('deletes the endpoint with its messages and attempts; the events stay', async () => {
    const ep = await create({ eventTypes: ['subscription_created'] });
    const kept = await create({ eventTypes: ['subscription_created'] });
    await registerAndDeliver();
    const [message] = (await call('GET', `${base}/${ep.id}/messages`)).json().data;
    expect(message.status).toBe('succeeded');

    const deleted = await call('DELETE', `${base}/${ep.id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');

    expectNotFound(await call('GET', `${base}/${ep.id}`));
    expectNotFound(await call('GET', `${base}/${ep.id}/messages`));
    expectNotFound(await call('GET', `${base}/${ep.id}/messages/${message.id}`));
    expectNotFound(await call('GET', `${base}/${ep.id}/messages/${message.id}/attempts`));
    expectNotFound(await call('DELETE', `${base}/${ep.id}`));
    expect((await list()).map((e: any) => e.id)).toEqual([kept.id]);

    const rows = await h.db.query<{ messages: number; attempts: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM webhook_messages WHERE endpoint_id = $1) AS messages,
              (SELECT count(*)::int FROM webhook_attempts WHERE message_id = $2) AS attempts,
              (SELECT count(*)::int FROM events WHERE id = $3) AS events`,
      [ep.id, message.id, message.eventId],
    );
    expect(rows[0]).toEqual({ messages: 0, attempts: 0, events: 1 });
    // The other endpoint keeps its own, and new events reach only it.
    expect((await call('GET', `${base}/${kept.id}/messages`)).json().data).toHaveLength(1);
    const arrived = await registerAndDeliver();
    expect(arrived).toHaveLength(1);
  });
});

describe('enable and disable', () => {
  it('a disabled endpoint gets nothing; enabled again, it gets what was pending and what comes next', async () => {
    const ep = await create({ eventTypes: ['subscription_created'] });
    await registerMember(h.call, program.key); // pending, not yet delivered
    h.clock.advance(1000);
    const disabled = await call('POST', `${base}/${ep.id}/disable`);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({
      enabled: false, disabledReason: 'disabled through the API', disabledAt: h.clock.now().toISOString(),
    });
    const disabledAt = disabled.json().disabledAt;
    expect(await get(ep.id)).toEqual(disabled.json());

    // Events while disabled make no message for it; what was pending waits.
    await registerMember(h.call, program.key);
    expect(await h.newWorker().drain()).toBe(0);
    expect(receiver.received).toHaveLength(0);
    expect((await call('GET', `${base}/${ep.id}/messages`)).json().data.map((m: any) => m.status)).toEqual(['pending']);
    // Test events are refused while disabled.
    const test = await call('POST', `${base}/${ep.id}/test`, { eventType: 'voucher_created' });
    expect(test.statusCode).toBe(409);
    expect(test.headers['content-type']).toMatch(/^application\/problem\+json/);

    // Disabling again changes nothing: the first time and reason stay.
    h.clock.advance(1000);
    expect((await call('POST', `${base}/${ep.id}/disable`)).json()).toMatchObject({ enabled: false, disabledAt });

    const enabled = await call('POST', `${base}/${ep.id}/enable`);
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
    expect(await h.newWorker().drain()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expectValidPayloads(receiver.received);
    expect(await registerAndDeliver()).toHaveLength(1);
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    expectNotFound(await call('POST', `${base}/01950000-0000-7000-8000-000000000999/enable`));
    expectNotFound(await call('POST', `${base}/01950000-0000-7000-8000-000000000999/disable`));
  });
});

describe('refusals: a problem naming the field, and nothing changed', () => {
  const url = 'https://hooks.example.com/loyalty';
  const refusals: [string, Record<string, unknown>, number, string][] = [
    ['a URL that does not parse', { url: 'not a url' }, 422, '/url'],
    ['a relative URL', { url: '/hooks' }, 422, '/url'],
    ['an ftp URL', { url: 'ftp://files.example.com/in' }, 422, '/url'],
    ['a javascript: URL', { url: 'javascript:alert(1)' }, 422, '/url'],
    ['credentials in the URL', { url: 'https://user:pass@hooks.example.com/in' }, 422, '/url'],
    ['a user name alone in the URL', { url: 'https://user@hooks.example.com/in' }, 422, '/url'],
    ['an empty URL', { url: '' }, 400, '/url'],
    ['an unknown event type', { url, eventTypes: ['CustomerRegistered', 'customer_registered'] }, 422, '/eventTypes/1'],
    ['an empty list of event types', { url, eventTypes: [] }, 400, '/eventTypes'],
    ['an event type twice', { url, eventTypes: ['voucher_created', 'voucher_created'] }, 400, '/eventTypes'],
    ['both bearerToken and basicAuth', { url, bearerToken: 't', basicAuth: { username: 'u', password: 'p' } }, 422, '/basicAuth'],
    ['a colon in the basic-auth user name', { url, basicAuth: { username: 'u:x', password: 'p' } }, 400, '/basicAuth/username'],
    ['an unknown field in basicAuth', { url, basicAuth: { username: 'u', password: 'p', realm: 'r' } }, 400, '/basicAuth/realm'],
    ['an empty bearer token', { url, bearerToken: '' }, 400, '/bearerToken'],
    ['a bearer token with a newline', { url, bearerToken: 'tok\nx-injected: 1' }, 400, '/bearerToken'],
    ['a bearer token with a space', { url, bearerToken: 'tok en' }, 400, '/bearerToken'],
    ['a bearer token beyond ASCII', { url, bearerToken: 'jeton-é' }, 400, '/bearerToken'],
    ['a custom Authorization header', { url, headers: { Authorization: 'Bearer x' } }, 422, '/headers/Authorization'],
    ['a custom webhook-signature header', { url, headers: { 'webhook-signature': 'v1,forged' } }, 422, '/headers/webhook-signature'],
    ['a custom Webhook-Id header', { url, headers: { 'Webhook-Id': 'x' } }, 422, '/headers/Webhook-Id'],
    ['a custom webhook-timestamp header', { url, headers: { 'webhook-timestamp': '0' } }, 422, '/headers/webhook-timestamp'],
    ['a custom Content-Type header', { url, headers: { 'Content-Type': 'text/plain' } }, 422, '/headers/Content-Type'],
    ['a custom content-length header', { url, headers: { 'content-length': '1' } }, 422, '/headers/content-length'],
    ['a custom host header', { url, headers: { host: 'elsewhere.example.com' } }, 422, '/headers/host'],
    ['a custom user-agent header', { url, headers: { 'user-agent': 'x' } }, 422, '/headers/user-agent'],
    ['a custom keep-alive header', { url, headers: { 'keep-alive': 'timeout=5' } }, 422, '/headers/keep-alive'],
    ['a custom expect header', { url, headers: { expect: '100-continue' } }, 422, '/headers/expect'],
    ['a custom upgrade header', { url, headers: { upgrade: 'websocket' } }, 422, '/headers/upgrade'],
    ['a custom transfer-encoding header', { url, headers: { 'transfer-encoding': 'chunked' } }, 422, '/headers/transfer-encoding'],
    ['one header name twice in different cases', { url, headers: { 'x-a': '1', 'X-A': '2' } }, 422, '/headers/X-A'],
    ['a header value with a newline', { url, headers: { 'x-a': 'one\ntwo' } }, 400, '/headers/x-a'],
    ['a header value injecting a header', { url, headers: { 'x-a': 'one\r\nx-injected: 1' } }, 400, '/headers/x-a'],
    ['a header value with a control character', { url, headers: { 'x-a': 'nul\u0000' } }, 400, '/headers/x-a'],
    ['a header value beyond ASCII', { url, headers: { 'x-a': 'café' } }, 400, '/headers/x-a'],
    ['a header name with a space', { url, headers: { 'x a': '1' } }, 400, '/headers/x a'],
    ['a header name with a colon', { url, headers: { 'x-a:': '1' } }, 400, '/headers/x-a:'],
    ['a header value that is not a string', { url, headers: { 'x-a': 1 } }, 400, '/headers/x-a'],
    ['a timeout under 1 s', { url, timeoutMs: 999 }, 400, '/timeoutMs'],
    ['a timeout over 60 s', { url, timeoutMs: 60_001 }, 400, '/timeoutMs'],
    ['a fractional timeout', { url, timeoutMs: 1500.5 }, 400, '/timeoutMs'],
    ['a timeout as a string', { url, timeoutMs: '5000' }, 400, '/timeoutMs'],
    ['a concurrency of 0', { url, maxConcurrency: 0 }, 400, '/maxConcurrency'],
    ['an unknown field', { url, secret: 'whsec_AAAA' }, 400, '/secret'],
    ['another unknown field', { url, enabled: false }, 400, '/enabled'],
  ];

  it.each(refusals)('create refuses %s', async (_what, body, status, field) => {
    const before = await list();
    expectProblem(await call('POST', base, body), status, field);
    expect(await list()).toEqual(before);
  });

  it('create refuses a body without url', async () => {
    expectProblem(await call('POST', base, { description: 'no url' }), 400, '/url');
    expect(await list()).toEqual([]);
  });

  it.each(refusals.filter(([what]) => what !== 'an unknown field'))('update refuses %s', async (_what, body, status, field) => {
    const ep = await create({ description: 'unchanged', headers: { 'x-keep': '1' }, bearerToken: 'tok' });
    const { url: _url, ...rest } = body;
    const patch = field === '/url' ? body : rest;
    expectProblem(await call('PATCH', `${base}/${ep.id}`, patch), status, field);
    const { secret: _secret, ...view } = ep;
    expect(await get(ep.id)).toEqual(view);
  });

  it('refuses a path id that is not a uuid', async () => {
    for (const [method, path] of [
      ['GET', `${base}/not-a-uuid`], ['PATCH', `${base}/not-a-uuid`], ['DELETE', `${base}/not-a-uuid`],
      ['POST', `${base}/not-a-uuid/enable`], ['POST', `${base}/not-a-uuid/disable`], ['POST', `${base}/not-a-uuid/rotate-secret`],
      ['GET', `${base}/not-a-uuid/messages`], ['POST', `${base}/not-a-uuid/test`],
    ] as const) {
      const body = method === 'PATCH' ? {} : method === 'POST' && path.endsWith('/test') ? { eventType: 'voucher_created' } : undefined;
      expectProblem(await call(method, path, body), 400, /endpointId$/);
    }
    const ep = await create();
    expectProblem(await call('GET', `${base}/${ep.id}/messages/123`), 400, /messageId$/);
    expectProblem(await call('POST', `${base}/${ep.id}/messages/123/resend`), 400, /messageId$/);
  });

  it('refuses an admin key that does not name the program in Punchcard-Program', async () => {
    const ep = await create();
    for (const [method, path, body] of [
      ['GET', base, undefined], ['POST', base, { url }], ['GET', `${base}/${ep.id}`, undefined],
      ['PATCH', `${base}/${ep.id}`, { description: 'admin' }], ['DELETE', `${base}/${ep.id}`, undefined],
    ] as const) {
      expectProblem(await h.call(method, path, { body }), 400, 'header.punchcard-program');
      expectProblem(await h.call(method, path, { body, headers: { 'punchcard-program': 'not-a-uuid' } }), 400, 'header.punchcard-program');
    }
    expect((await list()).map((e: any) => e.id)).toEqual([ep.id]);
    expect((await get(ep.id)).description).toBe('');
    // Named, it works.
    const asAdmin = await h.call('GET', `${base}/${ep.id}`, { headers: { 'punchcard-program': program.id } });
    expect(asAdmin.statusCode).toBe(200);
  });

  it('refuses a request without a valid key', async () => {
    expect((await h.call('GET', base, { key: '' })).statusCode).toBe(401);
    expect((await h.call('GET', base, { key: 'pc_not_a_key' })).statusCode).toBe(401);
  });
});

describe('tenant isolation', () => {
  it("a program's key cannot see, change, delete, resend or test another program's endpoints and messages", async () => {
    const a = program;
    const b = await h.newProgram('Other Club');
    const ep = await create({ eventTypes: ['subscription_created'], description: 'A only' }, a.key);
    await registerAndDeliver();
    const [message] = (await call('GET', `${base}/${ep.id}/messages`, undefined, a.key)).json().data;
    const before = await get(ep.id, a.key);
    const ownOfB = await create({ eventTypes: ['subscription_created'] }, b.key);
    const receivedBefore = receiver.received.length;

    const attempts: [string, string, unknown?][] = [
      ['GET', `${base}/${ep.id}`],
      ['PATCH', `${base}/${ep.id}`, { url: 'https://evil.example.com/steal' }],
      ['DELETE', `${base}/${ep.id}`],
      ['POST', `${base}/${ep.id}/disable`],
      ['POST', `${base}/${ep.id}/enable`],
      ['POST', `${base}/${ep.id}/rotate-secret`, {}],
      ['GET', `${base}/${ep.id}/messages`],
      ['GET', `${base}/${ep.id}/messages/${message.id}`],
      ['GET', `${base}/${ep.id}/messages/${message.id}/attempts`],
      ['POST', `${base}/${ep.id}/messages/${message.id}/resend`],
      ['POST', `${base}/${ep.id}/recover`, { since: '2020-01-01T00:00:00.000Z' }],
      ['POST', `${base}/${ep.id}/test`, { eventType: 'voucher_created' }],
      // B's own endpoint with A's message: still not B's message.
      ['GET', `${base}/${ownOfB.id}/messages/${message.id}`],
      ['POST', `${base}/${ownOfB.id}/messages/${message.id}/resend`],
    ];
    for (const [method, path, body] of attempts) {
      expectNotFound(await call(method, path, body, b.key));
    }
    // B's key naming A's program is refused outright.
    const named = await h.call('GET', `${base}/${ep.id}`, { key: b.key, headers: { 'punchcard-program': a.id } });
    expect(named.statusCode).toBe(403);
    // An admin key naming B does not reach A's endpoint either.
    expectNotFound(await h.call('GET', `${base}/${ep.id}`, { headers: { 'punchcard-program': b.id } }));

    expect((await list(b.key)).map((e: any) => e.id)).toEqual([ownOfB.id]);
    expect(await get(ep.id, a.key)).toEqual(before);
    const attemptsAfter = (await call('GET', `${base}/${ep.id}/messages/${message.id}/attempts`, undefined, a.key)).json().data;
    expect(attemptsAfter).toHaveLength(1);
    expect((await call('GET', `${base}/${ep.id}/messages/${message.id}`, undefined, a.key)).json().status).toBe('succeeded');
    expect(await h.newWorker().drain()).toBe(0);
    expect(receiver.received).toHaveLength(receivedBefore);
  });
});
