import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSecret } from '../../src/delivery/signing.ts';
import type { Received, Receiver } from '../support/receiver.ts';
import type { Harness } from '../support/harness.ts';
import { atRealTime, useWebhookTestBed } from './test-bed.ts';
import { expectProblem, registerMember } from './api.ts';
import { expectValidPayloads, verifiesAt, verifiesWith } from './payloads.ts';

// The official standardwebhooks library checks each delivery's timestamp against the wall clock
// (5 minutes' tolerance). The instance clock starts at the real time; once a test moves it on,
// verification happens with the wall clock set to the instance's (vi.setSystemTime), as a
// receiver living at that moment would, and the real time is restored right after.
let h: Harness;
let receiver: Receiver;
let program: { id: string; key: string };

useWebhookTestBed((bed) => ({ h, receiver, program } = bed), atRealTime());
afterEach(() => {
  vi.useRealTimers();
});

const second = 1000;
const hour = 3600 * second;

async function endpoint() {
  const response = await h.call('POST', '/v1/webhook-endpoints', {
    key: program.key,
    body: { url: `${receiver.url}/hooks`, eventTypes: ['subscription_created'] },
  });
  expect(response.statusCode).toBe(201);
  return response.json();
}

async function rotate(endpointId: string, body?: unknown) {
  return h.call('POST', `/v1/webhook-endpoints/${endpointId}/rotate-secret`, { key: program.key, body });
}

/** Registers a member and delivers what it fires: the one subscription_created delivery. */
async function deliverOne(): Promise<Received> {
  const before = receiver.received.length;
  await registerMember(h.call, program.key);
  await h.newWorker().drain();
  expect(receiver.received).toHaveLength(before + 1);
  const delivery = receiver.received[before];
  expectValidPayloads([delivery]);
  return delivery;
}

const signatures = (r: Received) => (r.headers['webhook-signature'] as string).split(' ');

/** Verifies as a receiver whose wall clock shows the instance clock's time. */
const verifiesNow = (secret: string, r: Received) => verifiesAt(h.clock.now(), secret, r);

describe('secret rotation', () => {
  it('signs with the old and the new secret during the grace period (24 h by default), then with the new one only', async () => {
    const ep = await endpoint();
    const oldSecret: string = ep.secret;
    const beforeRotation = await deliverOne();
    expect(signatures(beforeRotation)).toHaveLength(1);
    expect(verifiesWith(oldSecret, beforeRotation)).toBe(true);

    // A bare POST: every field of the body has a default.
    const rotated = await rotate(ep.id);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const newSecret: string = rotated.json().secret;
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(newSecret).not.toBe(oldSecret);
    const graceEnds = new Date(h.clock.now().getTime() + 24 * hour).toISOString();
    expect(rotated.json()).toMatchObject({ id: ep.id, previousSecretExpiresAt: graceEnds });
    // The new secret is shown in the rotation's answer only.
    const fetched = await h.call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: program.key });
    expect(fetched.json()).not.toHaveProperty('secret');
    expect(fetched.body).not.toContain(newSecret.slice(6));
    expect(fetched.json().previousSecretExpiresAt).toBe(graceEnds);

    const during = await deliverOne();
    expect(signatures(during)).toHaveLength(2);
    for (const signature of signatures(during)) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    // A receiver verifies with whichever secret it holds, with the official library, to the byte.
    expect(verifiesWith(oldSecret, during)).toBe(true);
    expect(verifiesWith(newSecret, during)).toBe(true);
    expect(verifiesWith(generateSecret(), during)).toBe(false);

    // One second before the grace period ends, the old secret still signs.
    h.clock.advance(24 * hour - second);
    const lastMoment = await deliverOne();
    expect(signatures(lastMoment)).toHaveLength(2);
    expect(verifiesNow(oldSecret, lastMoment)).toBe(true);
    expect(verifiesNow(newSecret, lastMoment)).toBe(true);

    // From the end of the grace period on, the new secret alone signs.
    h.clock.advance(second);
    const after = await deliverOne();
    expect(signatures(after)).toHaveLength(1);
    expect(verifiesNow(oldSecret, after)).toBe(false);
    expect(verifiesNow(newSecret, after)).toBe(true);
    const settled = (await h.call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: program.key })).json();
    expect(settled.previousSecretExpiresAt).toBeNull();
  });

  it('gracePeriodSeconds 0 drops the old secret at once', async () => {
    const ep = await endpoint();
    const rotated = await rotate(ep.id, { gracePeriodSeconds: 0 });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().previousSecretExpiresAt).toBeNull();
    const delivery = await deliverOne();
    expect(signatures(delivery)).toHaveLength(1);
    expect(verifiesWith(ep.secret, delivery)).toBe(false);
    expect(verifiesWith(rotated.json().secret, delivery)).toBe(true);
  });

  it('signs each retry with the secrets valid at its own attempt', async () => {
    const ep = await endpoint();
    const rotated = (await rotate(ep.id, { gracePeriodSeconds: 3 })).json();
    receiver.respondWith((_r, res) => res.writeHead(503).end());
    await registerMember(h.call, program.key);
    const worker = h.newWorker();
    expect(await worker.runOnce()).toBe(1);
    receiver.respondWith((_r, res) => res.writeHead(204).end());
    h.clock.advance(5 * second); // the first retry, after the 3 s grace period
    expect(await worker.runOnce()).toBe(1);

    const [first, retry] = receiver.received;
    expectValidPayloads(receiver.received);
    expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(retry.body).toBe(first.body);
    expect(Number(retry.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp'])).toBe(5);
    expect(signatures(first)).toHaveLength(2);
    expect(verifiesWith(ep.secret, first)).toBe(true);
    expect(signatures(retry)).toHaveLength(1);
    expect(verifiesNow(ep.secret, retry)).toBe(false);
    expect(verifiesNow(rotated.secret, retry)).toBe(true);
  });

  it('a second rotation during the grace period keeps the latest previous secret only', async () => {
    const ep = await endpoint();
    const second1 = (await rotate(ep.id)).json().secret;
    const third = (await rotate(ep.id)).json().secret;
    const delivery = await deliverOne();
    expect(signatures(delivery)).toHaveLength(2);
    expect(verifiesWith(ep.secret, delivery)).toBe(false);
    expect(verifiesWith(second1, delivery)).toBe(true);
    expect(verifiesWith(third, delivery)).toBe(true);
  });

  it.each([
    [{ gracePeriodSeconds: -1 }, '/gracePeriodSeconds'],
    [{ gracePeriodSeconds: 604_801 }, '/gracePeriodSeconds'],
    [{ gracePeriodSeconds: 1.5 }, '/gracePeriodSeconds'],
    [{ gracePeriodSeconds: '60' }, '/gracePeriodSeconds'],
    [{ grace: 60 }, '/grace'],
  ])('refuses %j with a 400 naming the field, and keeps the secret', async (body, field) => {
    const ep = await endpoint();
    expectProblem(await rotate(ep.id, body), 400, field);
    expect((await h.call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: program.key })).json().previousSecretExpiresAt).toBeNull();
    const delivery = await deliverOne();
    expect(signatures(delivery)).toHaveLength(1);
    expect(verifiesWith(ep.secret, delivery)).toBe(true);
  });

  it('accepts the longest grace period, 7 days', async () => {
    const ep = await endpoint();
    const rotated = await rotate(ep.id, { gracePeriodSeconds: 604_800 });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().previousSecretExpiresAt).toBe(new Date(h.clock.now().getTime() + 7 * 24 * hour).toISOString());
  });
});
