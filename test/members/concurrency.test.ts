import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countRows, expectProblem, only, startWorld, uniqueEmail, type World } from './helpers.ts';

// On PostgreSQL (DATABASE_URL) these requests really run side by side; on PGlite they queue.
let world: World;
beforeAll(async () => {
  world = await startWorld({ start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => world.h.clock.advance(61_000));

const statuses = (responses: { statusCode: number }[]) => responses.map((r) => r.statusCode).sort();

describe('racing writers', () => {
  it('lets exactly one of several simultaneous registrations take an e-mail, a phone or a card number', async () => {
    const p = await world.program();
    const emails = await Promise.all(['Race@Example.com', 'race@example.com', 'RACE@EXAMPLE.COM', 'race@EXAMPLE.com', 'rAce@example.com']
      .map((email) => p.call('POST', '/v1/members', { email })));
    expect(statuses(emails)).toEqual([201, 409, 409, 409, 409]);
    for (const r of emails.filter((r) => r.statusCode === 409)) expectProblem(r, 409, '/email');

    const phones = await Promise.all(['+33 6 55 55 55 55', '+33655555555', '0033655555555', '+33 655 555 555']
      .map((phone) => p.call('POST', '/v1/members', { email: uniqueEmail(), phone })));
    expect(statuses(phones)).toEqual([201, 409, 409, 409]);

    const cards = await Promise.all([1, 2, 3, 4].map(() => p.call('POST', '/v1/members', { email: uniqueEmail(), cardId: 'RACE-CARD' })));
    expect(statuses(cards)).toEqual([201, 409, 409, 409]);
    expect(await countRows(world.h, 'members', p.id)).toBe(3);
  });

  it('lets exactly one of several simultaneous registrations take a subscription id, answering 409 to the others', async () => {
    const p = await world.program();
    const responses = await Promise.all([1, 2, 3, 4, 5].map(() =>
      p.call('POST', '/v1/members', { email: uniqueEmail(), loyaltySubscriptionId: 'RACE-SUB' })));
    expect(statuses(responses), responses.map((r) => r.body).join('\n')).toEqual([201, 409, 409, 409, 409]);
    for (const r of responses.filter((r) => r.statusCode === 409)) expectProblem(r, 409, '/loyaltySubscriptionId');
    expect(await countRows(world.h, 'members', p.id)).toBe(1);
    expect(await countRows(world.h, 'subscriptions', p.id)).toBe(1);
  });

  it('adds a member to one household only when two try at once', async () => {
    const p = await world.program();
    await p.register({ loyaltySubscriptionId: 'H1' });
    await p.register({ loyaltySubscriptionId: 'H2' });
    const free = await p.register();
    await p.call('POST', `/v1/subscriptions/${free.subscription.loyaltySubscriptionId}/revoke`);
    await p.events();
    const responses = await Promise.all(['H1', 'H2', 'H1'].map((home) =>
      p.call('POST', `/v1/subscriptions/${home}/members`, { memberIds: [free.id] })));
    expect(statuses(responses)).toEqual([200, 409, 409]);
    const events = await p.events();
    expect(only(events, 'subscription_member_added').member_id).toBe(free.contactId);
  });

  it('counts every one of simultaneous wrong activation codes', async () => {
    const p = await world.program({ settings: { members: { activationMaxAttempts: 3 } } });
    const member = await p.register({ activation: 'code' });
    const code = only(await p.events(), 'CustomerWasRegisteredWithoutActivation').data.activationCode as string;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const responses = await Promise.all([1, 2, 3, 4, 5, 6].map(() => p.call('POST', `/v1/members/${member.id}/activate`, { code: wrong })));
    // Three wrong codes void it; the others find no code left.
    expect(statuses(responses)).toEqual([409, 409, 409, 422, 422, 422]);
    expectProblem(await p.call('POST', `/v1/members/${member.id}/activate`, { code }), 409);
  });

  it('locks an account after 5 wrong passwords even when they arrive together', async () => {
    const p = await world.program();
    const member = await p.register({ password: 'right one 123' });
    const responses = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
      world.h.call('POST', `/v1/programs/${p.id}/member-sessions`, { key: '', body: { identifier: member.email, password: `wrong ${i}xx` } })));
    expect(statuses(responses)).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
  });
});
