import { describe, expect, it } from 'vitest';
import { applyEndpointOutcomes } from '../../src/delivery/endpoint-health.ts';
import type { Receiver } from '../support/receiver.ts';
import type { Harness } from '../support/harness.ts';
import { useWebhookTestBed } from './test-bed.ts';
import { expectNotFound, expectProblem, registerMember } from './api.ts';
import { eventIdOf, eventNameOf, expectValidPayloads, verifiesWith } from './payloads.ts';

// Signatures are verified with the official library against the wall clock: the instance clock
// starts at the real time and is not moved in this file.
let h: Harness;
let receiver: Receiver;
let program: { id: string; key: string };

useWebhookTestBed((bed) => ({ h, receiver, program } = bed), { harness: { start: new Date().toISOString() } });

const base = '/v1/webhook-endpoints';
async function endpoint(path: string, body: Record<string, unknown> = {}) {
  const response = await h.call('POST', base, { key: program.key, body: { url: `${receiver.url}${path}`, ...body } });
  expect(response.statusCode).toBe(201);
  return response.json();
}

describe('endpoint.disabled', () => {
  it('tells the subscribed endpoints, signed and matching its schema, in the program sequence', async () => {
    const ops = await endpoint('/ops', { eventTypes: ['endpoint.disabled'] });
    const gone = await endpoint('/gone', { eventTypes: ['subscription_created'] });
    receiver.respondWith((request, res) => res.writeHead(request.path === '/gone' ? 410 : 204).end());
    await registerMember(h.call, program.key);
    await h.newWorker().drain();

    const notices = receiver.received.filter((r) => r.path === '/ops');
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    expectValidPayloads(notices);
    expect(verifiesWith(ops.secret, notice)).toBe(true);
    expect(notice.headers['webhook-id']).toBe(eventIdOf(notice.json));
    const lastSequence = await h.db.query<{ max: number }>(
      `SELECT max(sequence)::int AS max FROM events WHERE program_id = $1`, [program.id]);
    expect(notice.json).toEqual({
      type: 'endpoint.disabled',
      timestamp: h.clock.now().toISOString(),
      data: {
        programId: program.id,
        sequence: lastSequence[0].max,
        eventId: notice.headers['webhook-id'],
        endpointId: gone.id,
        url: `${receiver.url}/gone`,
        reason: 'the endpoint answered 410 Gone',
        failingSince: h.clock.now().toISOString(),
        disabledAt: h.clock.now().toISOString(),
      },
    });
    // It is an event of the program like any other: the sequence has no gap.
    const sequences = await h.db.query<{ sequence: number }>(
      `SELECT sequence::int AS sequence FROM events WHERE program_id = $1 ORDER BY sequence`, [program.id]);
    expect(sequences.map((s) => s.sequence)).toEqual(sequences.map((_s, i) => i + 1));
  });

  it('a 410 in a batch disables the endpoint even when another attempt of the batch succeeded after it', async () => {
    const ep = await endpoint('/gone', { eventTypes: ['subscription_created'] });
    const now = h.clock.now();
    await h.db.transaction((tx) => applyEndpointOutcomes(tx, [
      { kind: 'gone', endpointId: ep.id, reason: '410' },
      { kind: 'success', endpointId: ep.id },
    ], now));
    const after = (await h.call('GET', `${base}/${ep.id}`, { key: program.key })).json();
    expect(after).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
  });
});

describe('test events', () => {
  it('sends the example of every event type, signed, each a valid body of its type', async () => {
    // Subscribed to one type only: a test event goes out whatever the endpoint subscribes to.
    const ep = await endpoint('/test', { eventTypes: ['voucher_created'] });
    const types = (await h.call('GET', '/v1/event-types', { key: program.key })).json().data as { name: string; example: any }[];
    expect(types).toHaveLength(44);
    const sent = new Map<string, string>();
    for (const type of types) {
      const response = await h.call('POST', `${base}/${ep.id}/test`, { key: program.key, body: { eventType: type.name } });
      expect(response.statusCode).toBe(202);
      sent.set(response.json().eventId, type.name);
    }
    expect(await h.newWorker().drain()).toBe(types.length);

    expect(receiver.received).toHaveLength(types.length);
    expectValidPayloads(receiver.received);
    for (const r of receiver.received) {
      const name = sent.get(r.headers['webhook-id'] as string);
      expect(name).toBeDefined();
      expect(eventNameOf(r.json)).toBe(name);
      // The example, carrying the test event's own id and time.
      const example = types.find((t) => t.name === name)!.example;
      const id = r.headers['webhook-id'] as string;
      const at = h.clock.now().toISOString();
      expect(r.json).toEqual('event_id' in example
        ? { ...example, event_id: id, event_date: at }
        : { ...example, timestamp: at, data: { ...example.data, eventId: id } });
      expect(verifiesWith(ep.secret, r)).toBe(true);
    }
    // Test events are not part of the program's history: no sequence number, manual trigger.
    const messages = (await h.call('GET', `${base}/${ep.id}/messages?limit=200`, { key: program.key })).json().data;
    expect(messages).toHaveLength(types.length);
    for (const message of messages) expect(message).toMatchObject({ sequence: null, status: 'succeeded' });
    const [first] = messages;
    const attempts = (await h.call('GET', `${base}/${ep.id}/messages/${first.id}/attempts`, { key: program.key })).json().data;
    expect(attempts.map((a: any) => a.trigger)).toEqual(['manual']);
  });

  it('refuses an unknown event type, and an unknown endpoint', async () => {
    const ep = await endpoint('/test');
    expectProblem(await h.call('POST', `${base}/${ep.id}/test`, { key: program.key, body: { eventType: 'customer_registered' } }),
      422, '/eventType');
    expectProblem(await h.call('POST', `${base}/${ep.id}/test`, { key: program.key, body: {} }), 400, '/eventType');
    expectNotFound(await h.call('POST', `${base}/01950000-0000-7000-8000-000000000999/test`,
      { key: program.key, body: { eventType: 'voucher_created' } }));
    expect((await h.call('GET', `${base}/${ep.id}/messages`, { key: program.key })).json().data).toEqual([]);
  });
});
