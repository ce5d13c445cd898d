import { describe, expect, it } from 'vitest';
import { newSealingKeyText, parseSealingKey } from '../../src/security/sealed-values.ts';
import type { Harness } from '../support/harness.ts';
import type { Received, Receiver } from '../support/receiver.ts';
import { registerMember } from './api.ts';
import { verifiesAt } from './payloads.ts';
import { atRealTime, useWebhookTestBed } from './test-bed.ts';

// Endpoint credentials are sealed at rest (src/security/sealed-values.ts): the database never
// holds a signing secret, bearer token or basic-auth password in clear; deliveries still verify
// with the official standardwebhooks library.
let h: Harness;
let receiver: Receiver;
let program: { id: string; key: string };

useWebhookTestBed((bed) => ({ h, receiver, program } = bed), atRealTime());

interface RawCredentials {
  secret: string;
  previous_secret: string | null;
  bearer_token: string | null;
  basic_password: string | null;
}

const raw = async (id: string) =>
  (await h.db.query<RawCredentials>(
    `SELECT secret, previous_secret, bearer_token, basic_password FROM webhook_endpoints WHERE id = $1`, [id]))[0];

/** Every credential column set is sealed, and none holds any of `clear`. */
function expectSealed(row: RawCredentials, clear: string[]) {
  for (const value of Object.values(row)) {
    if (value === null) continue;
    expect(value).toMatch(/^enc:v1:[A-Za-z0-9+/]+={0,2}$/);
    for (const c of clear) expect(value).not.toContain(c.replace(/^whsec_/, ''));
  }
}

async function endpoint(body: Record<string, unknown> = {}) {
  const response = await h.call('POST', '/v1/webhook-endpoints', {
    key: program.key,
    body: { url: `${receiver.url}/hooks`, eventTypes: ['subscription_created'], ...body },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

const attemptsOf = async (endpointId: string) => {
  const messages = (await h.call('GET', `/v1/webhook-endpoints/${endpointId}/messages`, { key: program.key })).json().data;
  expect(messages).toHaveLength(1);
  const attempts = (await h.call('GET', `/v1/webhook-endpoints/${endpointId}/messages/${messages[0].id}/attempts`,
    { key: program.key })).json().data;
  return { message: messages[0], attempts };
};

const verifiesNow = (secret: string, r: Received) => verifiesAt(h.clock.now(), secret, r);

describe('endpoint credentials at rest', () => {
  it('are sealed after create, update and rotation, and deliveries still verify and authenticate', async () => {
    const ep = await endpoint({ bearerToken: 'tok-create-1234567890' });
    expectSealed(await raw(ep.id), [ep.secret, 'tok-create-1234567890']);

    const updated = await h.call('PATCH', `/v1/webhook-endpoints/${ep.id}`, {
      key: program.key, body: { basicAuth: { username: 'shop', password: 'pw-update-0987654321' } },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    const afterUpdate = await raw(ep.id);
    expect(afterUpdate.bearer_token).toBeNull();
    expectSealed(afterUpdate, [ep.secret, 'pw-update-0987654321']);

    const rotated = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`, { key: program.key });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const newSecret: string = rotated.json().secret;
    const afterRotation = await raw(ep.id);
    expect(afterRotation.previous_secret).not.toBeNull();
    expectSealed(afterRotation, [ep.secret, newSecret, 'pw-update-0987654321']);
    // Sealed anew on every write: a random IV each time.
    expect(afterRotation.basic_password).not.toBe(afterUpdate.basic_password);

    await registerMember(h.call, program.key);
    await h.newWorker().drain();
    expect(receiver.received).toHaveLength(1);
    const delivery = receiver.received[0];
    expect(verifiesNow(newSecret, delivery)).toBe(true);
    expect(verifiesNow(ep.secret, delivery)).toBe(true);
    expect(delivery.headers.authorization).toBe(`Basic ${Buffer.from('shop:pw-update-0987654321').toString('base64')}`);
  });

  it('a clear-text row written before sealing still delivers, and is sealed the next time it is written', async () => {
    const ep = await endpoint();
    const legacySecret = 'whsec_' + Buffer.from('legacy secret of 24 bytes').toString('base64');
    await h.db.query(`UPDATE webhook_endpoints SET secret = $2, bearer_token = 'legacy-token' WHERE id = $1`, [ep.id, legacySecret]);

    await registerMember(h.call, program.key);
    await h.newWorker().drain();
    expect(receiver.received).toHaveLength(1);
    expect(verifiesNow(legacySecret, receiver.received[0])).toBe(true);
    expect(receiver.received[0].headers.authorization).toBe('Bearer legacy-token');

    const patched = await h.call('PATCH', `/v1/webhook-endpoints/${ep.id}`, { key: program.key, body: { description: 'touched' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expectSealed(await raw(ep.id), [legacySecret, 'legacy-token']);
  });

  it('a value copied from another endpoint does not open: nothing is sent, the attempt fails saying why, other endpoints still deliver', async () => {
    const good = await endpoint();
    const copied = await endpoint({ url: `${receiver.url}/copied` });
    // Another row's sealed secret: a database-level copy, as an attacker with write access could make.
    await h.db.query(`UPDATE webhook_endpoints SET secret = (SELECT secret FROM webhook_endpoints WHERE id = $1) WHERE id = $2`,
      [good.id, copied.id]);

    await registerMember(h.call, program.key);
    await h.newWorker().drain();
    expect(receiver.received.map((r) => r.path)).toEqual(['/hooks']);
    expect(verifiesNow(good.secret, receiver.received[0])).toBe(true);

    const { message, attempts } = await attemptsOf(copied.id);
    expect(message.status).toBe('pending'); // retried on the usual schedule
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ statusCode: null });
    expect(attempts[0].error).toMatch(/webhook_endpoints\.secret .* does not open: PUNCHCARD_ENCRYPTION_KEY is not the key/);
  });

  it('a value copied to another column of the same endpoint does not open either', async () => {
    const ep = await endpoint({ bearerToken: 'tok-column-1234' });
    await h.db.query(`UPDATE webhook_endpoints SET secret = bearer_token WHERE id = $1`, [ep.id]);
    await registerMember(h.call, program.key);
    await h.newWorker().drain();
    expect(receiver.received).toHaveLength(0);
    const { attempts } = await attemptsOf(ep.id);
    expect(attempts[0].error).toMatch(/does not open/);
  });

  it('a worker given another key sends nothing and records why; the right key then delivers', async () => {
    const ep = await endpoint();
    await registerMember(h.call, program.key);
    await h.newWorker({ sealKey: parseSealingKey(newSealingKeyText()) }).drain();
    expect(receiver.received).toHaveLength(0);
    const { attempts } = await attemptsOf(ep.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0].error).toMatch(/PUNCHCARD_ENCRYPTION_KEY is not the key it was sealed with/);

    // Retried on schedule; with the right key it arrives.
    const resent = await h.call('POST', `/v1/webhook-endpoints/${ep.id}/messages/${(await attemptsOf(ep.id)).message.id}/resend`,
      { key: program.key });
    expect(resent.statusCode, resent.body).toBeLessThan(300);
    await h.newWorker().drain();
    expect(receiver.received).toHaveLength(1);
    expect(verifiesNow(ep.secret, receiver.received[0])).toBe(true);
  });
});
