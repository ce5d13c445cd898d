import { describe, expect, it } from 'vitest';
import { claimDueMessages } from '../../src/storage/webhook-messages.ts';
import type { Receiver } from '../support/receiver.ts';
import type { Harness } from '../support/harness.ts';
import { testSealKey } from '../support/sealing-key.ts';
import { useWebhookTestBed } from './test-bed.ts';
import { registerMember } from './api.ts';
import { expectValidPayloads } from './payloads.ts';

/**
 * Workers share the load through leases: a claimed message is due again only when its lease runs
 * out, so a worker that dies after claiming leaves it for another, and two live workers never
 * send the same message twice.
 */

let h: Harness;
let receiver: Receiver;
let program: { id: string; key: string };

useWebhookTestBed((bed) => ({ h, receiver, program } = bed));

/** DeliveryWorker's default lease. */
const leaseMs = 120_000;

async function endpoint() {
  const response = await h.call('POST', '/v1/webhook-endpoints', {
    key: program.key,
    body: { url: `${receiver.url}/hooks`, eventTypes: ['subscription_created'] },
  });
  expect(response.statusCode).toBe(201);
  return response.json();
}
const messagesOf = async (endpointId: string) =>
  (await h.call('GET', `/v1/webhook-endpoints/${endpointId}/messages`, { key: program.key })).json().data;

describe('leases', () => {
  it('a message claimed by a worker that died is delivered by another worker once the lease runs out', async () => {
    const ep = await endpoint();
    await registerMember(h.call, program.key);

    // The first worker claims the message exactly as a DeliveryWorker does, then dies: it never
    // sends it and never records anything.
    const claimedAt = h.clock.now();
    const claimed = await h.db.transaction((tx) =>
      claimDueMessages(tx, testSealKey, claimedAt, new Date(claimedAt.getTime() + leaseMs), 10, new Map()));
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatchObject({ endpointId: ep.id, eventType: 'subscription_created', attempts: 0 });

    const survivor = h.newWorker();
    expect(await survivor.runOnce()).toBe(0); // leased to the dead worker
    h.clock.advance(leaseMs - 1);
    expect(await survivor.runOnce()).toBe(0); // still leased
    expect(receiver.received).toHaveLength(0);
    const [waiting] = await messagesOf(ep.id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0 });
    expect(new Date(waiting.nextAttemptAt).getTime()).toBe(claimedAt.getTime() + leaseMs);

    h.clock.advance(1); // the lease has run out
    expect(await survivor.runOnce()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers['webhook-id']).toBe(claimed[0].eventId);
    expect(receiver.received[0].body).toBe(claimed[0].body);
    expectValidPayloads(receiver.received);

    const [message] = await messagesOf(ep.id);
    expect(message).toMatchObject({ id: claimed[0].id, status: 'succeeded', attempts: 1, lastStatusCode: 204 });
    const attempts = (await h.call('GET', `/v1/webhook-endpoints/${ep.id}/messages/${message.id}/attempts`, { key: program.key }))
      .json().data;
    // Only the attempt that happened is logged: the dead worker's claim left no trace.
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ trigger: 'scheduled', statusCode: 204 });
    expect(await survivor.runOnce()).toBe(0);
  });

  it('a claim made at the same time by two workers hands each message to one of them', async () => {
    const ep = await endpoint();
    const count = 20;
    for (let i = 0; i < count; i++) await registerMember(h.call, program.key);
    const a = h.newWorker({ maxInFlight: 4 });
    const b = h.newWorker({ maxInFlight: 4 });

    const [byA, byB] = await Promise.all([a.drain(), b.drain()]);
    expect(byA + byB).toBe(count);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);

    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    expectValidPayloads(receiver.received);
    const messages = await messagesOf(ep.id);
    expect(messages).toHaveLength(count);
    for (const message of messages) expect(message).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
