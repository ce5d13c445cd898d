import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEventBody } from '../../src/events/catalog.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { startHarness, type Harness } from '../support/harness.ts';

// Signatures are checked by the official library against the real wall clock, so this file's
// instance clock starts at the real time (and is then moved only by hand).
let h: Harness;
let receiver: Receiver;
beforeAll(async () => {
  h = await startHarness({ start: new Date().toISOString() });
  receiver = await startReceiver();
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

describe('first vertical slice: enrolling a member reaches the business as signed webhooks', () => {
  it('delivers CustomerRegistered and subscription_created, signed, in sequence, matching their schemas', async () => {
    const program = await h.newProgram('VIP Club');
    const created = await h.call('POST', '/v1/webhook-endpoints', { key: program.key, body: { url: `${receiver.url}/hooks` } });
    expect(created.statusCode).toBe(201);
    const { secret } = created.json();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);

    const enrolled = await h.call('POST', '/v1/members', {
      key: program.key,
      body: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', cardId: 'CARD-0001', loyaltySubscriptionId: 'sub-ada' },
    });
    expect(enrolled.statusCode).toBe(201);
    const member = enrolled.json();

    const worker = h.newWorker();
    expect(await worker.drain()).toBe(2);
    expect(receiver.received).toHaveLength(2);

    const verifier = new Webhook(secret);
    const bodies = receiver.received.map((r) => {
      expect(r.path).toBe('/hooks');
      expect(r.headers['content-type']).toBe('application/json');
      // Throws if the signature does not match the exact bytes received.
      verifier.verify(r.body, {
        'webhook-id': r.headers['webhook-id'] as string,
        'webhook-timestamp': r.headers['webhook-timestamp'] as string,
        'webhook-signature': r.headers['webhook-signature'] as string,
      });
      return r.json;
    });

    const registered = bodies.find((b) => b.type === 'CustomerRegistered');
    const subscription = bodies.find((b) => b.event_name === 'subscription_created');
    expect(validateEventBody('CustomerRegistered', registered)).toEqual({ ok: true });
    expect(validateEventBody('subscription_created', subscription)).toEqual({ ok: true });

    expect(registered.data.customer).toMatchObject({ customerId: member.id, contactId: member.contactId, email: 'ada@example.com', loyaltyCardNumber: 'CARD-0001' });
    expect(registered.data.programId).toBe(program.id);
    expect(subscription).toMatchObject({
      loyalty_program: { id: program.id, name: 'VIP Club' },
      loyalty_subscription_id: 'sub-ada',
      contact_id: member.contactId,
      program_id: program.id,
    });
    // One gap-free sequence per program, in commit order.
    expect([registered.data.sequence, subscription.sequence].sort()).toEqual([1, 2]);
    // webhook-id is the event id, the consumer's idempotency key.
    const idOf = (b: any) => b.event_id ?? b.data.eventId;
    for (const r of receiver.received) expect(r.headers['webhook-id']).toBe(idOf(r.json));
  });
});
