import { describe, expect, it } from 'vitest';
import { registerMember as enrolMember } from '../../src/services/members/register.ts';
import type { Receiver } from '../support/receiver.ts';
import type { Harness } from '../support/harness.ts';
import { useWebhookTestBed } from './test-bed.ts';

let h: Harness;
let receiver: Receiver;
let program: { id: string; key: string };
let memberCount = 0;

useWebhookTestBed((bed) => ({ h, receiver, program } = bed));

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

async function endpoint(body: Record<string, unknown> = {}) {
  const response = await h.call('POST', '/v1/webhook-endpoints', { key: program.key, body: { url: `${receiver.url}/in`, ...body } });
  expect(response.statusCode).toBe(201);
  return response.json();
}
/** One member enrolled: two events (CustomerRegistered, subscription_created). */
const enrol = () => enrolMember(h.ctx, program.id, { email: `m${++memberCount}@example.com` });
const messagesOf = async (endpointId: string, query = '') =>
  (await h.call('GET', `/v1/webhook-endpoints/${endpointId}/messages${query}`, { key: program.key })).json().data;
const attemptsOf = async (endpointId: string, messageId: string) =>
  (await h.call('GET', `/v1/webhook-endpoints/${endpointId}/messages/${messageId}/attempts`, { key: program.key })).json().data;

describe('retries', () => {
  it('retries a failing endpoint on the schedule immediate, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', async () => {
    receiver.respondWith((_r, res) => res.writeHead(500).end('boom'));
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    await enrol();
    const worker = h.newWorker();
    const delays = [5 * second, 5 * minute, 30 * minute, 2 * hour, 5 * hour, 10 * hour, 10 * hour];

    expect(await worker.runOnce()).toBe(1);
    for (const delay of delays) {
      const [message] = await messagesOf(ep.id);
      expect(message.status).toBe('pending');
      expect(new Date(message.nextAttemptAt).getTime() - h.clock.now().getTime()).toBe(delay);
      h.clock.advance(delay - 1);
      expect(await worker.runOnce()).toBe(0); // not due yet
      h.clock.advance(1);
      expect(await worker.runOnce()).toBe(1);
    }
    const [message] = await messagesOf(ep.id);
    expect(message).toMatchObject({ status: 'failed', attempts: 8, lastStatusCode: 500, nextAttemptAt: null });
    const attempts = await attemptsOf(ep.id, message.id);
    expect(attempts).toHaveLength(8);
    expect(attempts[0]).toMatchObject({ statusCode: 500, responseBody: 'boom', trigger: 'scheduled', error: null });
    // Every attempt carried the same webhook-id.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('spreads retries with ±20 % jitter', async () => {
    receiver.respondWith((_r, res) => res.writeHead(503).end());
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    await enrol();
    await h.newWorker({ random: () => 0 }).runOnce();
    const [low] = await messagesOf(ep.id);
    expect(new Date(low.nextAttemptAt).getTime() - h.clock.now().getTime()).toBe(4 * second);
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    receiver.respondWith((request, res) =>
      request.path === '/in' ? res.writeHead(302, { location: `${receiver.url}/elsewhere` }).end() : res.writeHead(204).end());
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    await enrol();
    await h.newWorker().runOnce();
    expect(receiver.received.map((r) => r.path)).toEqual(['/in']);
    const [message] = await messagesOf(ep.id);
    expect(message).toMatchObject({ status: 'pending', lastStatusCode: 302 });
  });

  it('honours Retry-After on 429', async () => {
    receiver.respondWith((_r, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    await enrol();
    await h.newWorker().runOnce();
    const [message] = await messagesOf(ep.id);
    // Not before the receiver asked, with up to +20 % spread so told-alike messages do not stampede.
    const wait = new Date(message.nextAttemptAt).getTime() - h.clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(120 * second);
    expect(wait).toBeLessThanOrEqual(144 * second);
  });

  it('records a timeout as a failed attempt and retries it', async () => {
    receiver.respondWith(() => {}); // never answers
    const ep = await endpoint({ eventTypes: ['subscription_created'], timeoutMs: 1000 });
    await enrol();
    await h.newWorker().runOnce();
    const [message] = await messagesOf(ep.id);
    expect(message.status).toBe('pending');
    const [attempt] = await attemptsOf(ep.id, message.id);
    expect(attempt.statusCode).toBeNull();
    expect(attempt.error).toMatch(/timeout|timed out/i);
  });
});

describe('endpoint health', () => {
  it('disables an endpoint that answers 410 Gone and tells the endpoints subscribed to operational events', async () => {
    const ops = await endpoint({ url: `${receiver.url}/ops`, eventTypes: ['endpoint.disabled'] });
    const gone = await endpoint({ url: `${receiver.url}/gone`, eventTypes: ['subscription_created'] });
    receiver.respondWith((request, res) => res.writeHead(request.path === '/gone' ? 410 : 204).end());
    await enrol();
    const worker = h.newWorker();
    await worker.drain();
    const after = (await h.call('GET', `/v1/webhook-endpoints/${gone.id}`, { key: program.key })).json();
    expect(after).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
    const notice = receiver.received.find((r) => r.path === '/ops');
    expect(notice?.json).toMatchObject({ type: 'endpoint.disabled', data: { endpointId: gone.id, programId: program.id } });
    // A disabled endpoint gets nothing more.
    await enrol();
    await worker.drain();
    expect(receiver.received.filter((r) => r.path === '/gone')).toHaveLength(1);
    expect(ops.enabled).toBe(true);
  });

  it('disables an endpoint after 5 days of failures without a success', async () => {
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    receiver.respondWith((_r, res) => res.writeHead(500).end());
    const worker = h.newWorker();
    await enrol();
    await worker.runOnce();
    // New messages keep failing for days; the endpoint stays enabled until 5 days have passed.
    for (let day = 1; day <= 5; day++) {
      h.clock.advance(24 * hour);
      await enrol();
      await worker.drain();
      const state = (await h.call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: program.key })).json();
      expect(state.enabled).toBe(day < 5);
    }
    const state = (await h.call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: program.key })).json();
    expect(state.disabledReason).toBe('no successful delivery for 5 days');
  });

  it('a success ends the run of failures', async () => {
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    receiver.respondWith((_r, res) => res.writeHead(500).end());
    const worker = h.newWorker();
    await enrol();
    await worker.runOnce();
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: program.key })).json().failingSince).not.toBeNull();
    receiver.respondWith((_r, res) => res.writeHead(200).end());
    h.clock.advance(5 * second);
    await worker.runOnce();
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: program.key })).json().failingSince).toBeNull();
  });
});

describe('replay', () => {
  it('resends one message on demand as a manual attempt', async () => {
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    await enrol();
    const worker = h.newWorker();
    await worker.drain();
    const [message] = await messagesOf(ep.id);
    expect(message.status).toBe('succeeded');
    const resent = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/messages/${message.id}/resend`, { key: program.key });
    expect(resent.statusCode).toBe(202);
    await worker.drain();
    const attempts = await attemptsOf(ep.id, message.id);
    expect(attempts.map((a: any) => a.trigger)).toEqual(['scheduled', 'manual']);
    expect(receiver.received[0].body).toBe(receiver.received[1].body);
  });

  it('recovers every failed message since a time', async () => {
    receiver.respondWith((_r, res) => res.writeHead(500).end());
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    const worker = h.newWorker();
    const before = h.clock.now().toISOString();
    await enrol();
    await enrol();
    // Exhaust the schedule.
    for (let i = 0; i < 8; i++) {
      await worker.drain();
      h.clock.advance(11 * hour);
    }
    expect((await messagesOf(ep.id, '?status=failed'))).toHaveLength(2);
    receiver.respondWith((_r, res) => res.writeHead(204).end());
    const recovered = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/recover`, { key: program.key, body: { since: before } });
    expect(recovered.json()).toEqual({ requeued: 2 });
    await worker.drain();
    expect(await messagesOf(ep.id, '?status=succeeded')).toHaveLength(2);
  });

  it('sends a test event with the example payload of any type', async () => {
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    const sent = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/test`, { key: program.key, body: { eventType: 'voucher_redeemed' } });
    expect(sent.statusCode).toBe(202);
    await h.newWorker().drain();
    const types = (await h.call('GET', '/v1/event-types', { key: program.key })).json().data;
    const example = types.find((t: any) => t.name === 'voucher_redeemed').example;
    expect(receiver.received).toHaveLength(1);
    const { event_id, event_date, ...rest } = receiver.received[0].json;
    const { event_id: _id, event_date: _date, ...exampleRest } = example;
    expect(rest).toEqual(exampleRest);
    expect(event_id).toBe(sent.json().eventId);
    expect(event_date).toBe(h.clock.now().toISOString());
    expect(receiver.received[0].headers['webhook-id']).toBe(sent.json().eventId);
  });
});

describe('routing', () => {
  it('delivers only the subscribed event types, with the endpoint auth and custom headers', async () => {
    await endpoint({ eventTypes: ['CustomerRegistered'], bearerToken: 'tok-123', headers: { 'x-tenant': 'acme' } });
    await endpoint({ url: `${receiver.url}/basic`, eventTypes: ['subscription_created'], basicAuth: { username: 'u', password: 'p' } });
    await enrol();
    await h.newWorker().drain();
    expect(receiver.received).toHaveLength(2);
    const bearer = receiver.received.find((r) => r.path === '/in')!;
    expect(bearer.json.type).toBe('CustomerRegistered');
    expect(bearer.headers.authorization).toBe('Bearer tok-123');
    expect(bearer.headers['x-tenant']).toBe('acme');
    const basic = receiver.received.find((r) => r.path === '/basic')!;
    expect(basic.json.event_name).toBe('subscription_created');
    expect(basic.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('refuses loopback deliveries when the operator has not allowed them (SSRF guard)', async () => {
    const ep = await endpoint({ eventTypes: ['subscription_created'] });
    await enrol();
    await h.newWorker({ allow: [] }).runOnce();
    expect(receiver.received).toHaveLength(0);
    const [message] = await messagesOf(ep.id);
    const [attempt] = await attemptsOf(ep.id, message.id);
    expect(attempt.statusCode).toBeNull();
    expect(attempt.error).toMatch(/refused|not allowed|loopback/i);
  });

  it('one slow endpoint does not hold up the others', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    receiver.respondWith((request, res) => {
      if (request.path === '/slow') void held.then(() => res.writeHead(204).end());
      else res.writeHead(204).end();
    });
    await endpoint({ url: `${receiver.url}/slow`, eventTypes: ['subscription_created'], maxConcurrency: 1 });
    await endpoint({ url: `${receiver.url}/fast`, eventTypes: ['subscription_created'] });
    for (let i = 0; i < 5; i++) await enrol();
    const worker = h.newWorker({ pollMs: 20 });
    worker.start();
    // All five reach the fast endpoint while the slow one still holds its first (and only) request.
    await receiver.waitFor(6);
    expect(receiver.received.filter((r) => r.path === '/fast')).toHaveLength(5);
    expect(receiver.received.filter((r) => r.path === '/slow')).toHaveLength(1);
    release();
    await receiver.waitFor(10);
    await worker.stop();
    expect(receiver.received.filter((r) => r.path === '/slow')).toHaveLength(5);
  });
});
