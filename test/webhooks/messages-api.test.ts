import { describe, expect, it } from 'vitest';
import type { Receiver } from '../support/receiver.ts';
import type { Harness } from '../support/harness.ts';
import { useWebhookTestBed } from './test-bed.ts';
import { expectNotFound, expectProblem, registerMember } from './api.ts';
import { expectValidPayloads } from './payloads.ts';

let h: Harness;
let receiver: Receiver;
let program: { id: string; key: string };

useWebhookTestBed((bed) => ({ h, receiver, program } = bed));

const base = '/v1/webhook-endpoints';
const get = async (path: string) => {
  const response = await h.call('GET', path, { key: program.key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};
async function endpoint() {
  const response = await h.call('POST', base, {
    key: program.key,
    body: { url: `${receiver.url}/hooks`, eventTypes: ['subscription_created'] },
  });
  expect(response.statusCode).toBe(201);
  return response.json();
}
const unknownId = '01950000-0000-7000-8000-000000000999';

describe('messages of an endpoint', () => {
  it('pages through them with a cursor, oldest first, and filters them by status', async () => {
    const ep = await endpoint();
    for (let i = 0; i < 5; i++) await registerMember(h.call, program.key);
    // Two delivered, three waiting.
    expect(await h.newWorker().runOnce(2)).toBe(2);
    expectValidPayloads(receiver.received);

    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await get(`${base}/${ep.id}/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((m) => m.eventId)).size).toBe(5);
    for (const message of seen) {
      expect(message).toMatchObject({ endpointId: ep.id, eventType: 'subscription_created', sequence: expect.any(Number) });
    }
    const sequences = seen.map((m) => m.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));

    const succeeded = (await get(`${base}/${ep.id}/messages?status=succeeded`)).data;
    const pending = (await get(`${base}/${ep.id}/messages?status=pending`)).data;
    expect(succeeded).toHaveLength(2);
    expect(pending).toHaveLength(3);
    for (const m of succeeded) expect(m).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 204, nextAttemptAt: null });
    for (const m of pending) expect(m).toMatchObject({ status: 'pending', attempts: 0, lastStatusCode: null, nextAttemptAt: h.clock.now().toISOString() });
    expect((await get(`${base}/${ep.id}/messages?status=failed`)).data).toEqual([]);
    // The webhook-ids received are the event ids of the succeeded messages.
    expect(receiver.received.map((r) => r.headers['webhook-id']).sort()).toEqual(succeeded.map((m: any) => m.eventId).sort());

    expectProblem(await h.call('GET', `${base}/${ep.id}/messages?status=lost`, { key: program.key }), 400, /status$/);
    expectProblem(await h.call('GET', `${base}/${ep.id}/messages?limit=500`, { key: program.key }), 400, /limit$/);
  });

  it('gets one message and pages through its attempts', async () => {
    const ep = await endpoint();
    await registerMember(h.call, program.key);
    receiver.respondWith((_r, res) => res.writeHead(500).end('not now'));
    const worker = h.newWorker();
    await worker.runOnce();
    receiver.respondWith((_r, res) => res.writeHead(200).end('ok'));
    h.clock.advance(5000);
    await worker.runOnce();
    expectValidPayloads(receiver.received);

    const [listed] = (await get(`${base}/${ep.id}/messages`)).data;
    const message = await get(`${base}/${ep.id}/messages/${listed.id}`);
    expect(message).toEqual(listed);
    expect(message).toMatchObject({ status: 'succeeded', attempts: 2, lastStatusCode: 200 });

    const first = await get(`${base}/${ep.id}/messages/${message.id}/attempts?limit=1`);
    expect(first.data).toHaveLength(1);
    expect(first.data[0]).toMatchObject({ statusCode: 500, responseBody: 'not now', trigger: 'scheduled', error: null });
    expect(first.nextCursor).not.toBeNull();
    const second = await get(`${base}/${ep.id}/messages/${message.id}/attempts?limit=1&cursor=${first.nextCursor}`);
    expect(second.data).toHaveLength(1);
    expect(second.data[0]).toMatchObject({ statusCode: 200, responseBody: 'ok', trigger: 'scheduled' });
    expect(second.nextCursor).toBeNull();
    expect(new Date(second.data[0].attemptedAt).getTime() - new Date(first.data[0].attemptedAt).getTime()).toBe(5000);

    expectNotFound(await h.call('GET', `${base}/${ep.id}/messages/${unknownId}`, { key: program.key }));
    expectNotFound(await h.call('GET', `${base}/${ep.id}/messages/${unknownId}/attempts`, { key: program.key }));
    expectNotFound(await h.call('POST', `${base}/${ep.id}/messages/${unknownId}/resend`, { key: program.key }));
  });
});

describe('recover', () => {
  it('requeues only the failed messages created since the given time', async () => {
    const ep = await endpoint();
    receiver.respondWith((_r, res) => res.writeHead(500).end());
    const worker = h.newWorker();
    await registerMember(h.call, program.key); // fails, created before `since`
    h.clock.advance(60_000);
    const since = h.clock.now().toISOString();
    await registerMember(h.call, program.key); // fails, created at `since`
    for (let i = 0; i < 8; i++) {
      await worker.drain();
      h.clock.advance(11 * 3600 * 1000);
    }
    expect((await get(`${base}/${ep.id}/messages?status=failed`)).data).toHaveLength(2);
    receiver.respondWith((_r, res) => res.writeHead(204).end());

    const recovered = await h.call('POST', `${base}/${ep.id}/recover`, { key: program.key, body: { since } });
    expect(recovered.statusCode).toBe(202);
    expect(recovered.json()).toEqual({ requeued: 1 });
    const received = receiver.received.length;
    expect(await worker.drain()).toBe(1);
    expect(receiver.received).toHaveLength(received + 1);
    expectValidPayloads(receiver.received);
    expect((await get(`${base}/${ep.id}/messages?status=failed`)).data).toHaveLength(1);
    // Nothing left to recover since then.
    expect((await h.call('POST', `${base}/${ep.id}/recover`, { key: program.key, body: { since } })).json()).toEqual({ requeued: 0 });

    expectProblem(await h.call('POST', `${base}/${ep.id}/recover`, { key: program.key, body: { since: 'yesterday' } }), 400, '/since');
    expectProblem(await h.call('POST', `${base}/${ep.id}/recover`, { key: program.key, body: {} }), 400, '/since');
    expectNotFound(await h.call('POST', `${base}/${unknownId}/recover`, { key: program.key, body: { since } }));
  });
});
