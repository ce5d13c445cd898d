import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactOf, countRows, expectProblem, namesOf, only, startWorld, uniqueEmail, type Program, type World } from './helpers.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await world?.close();
});

const minute = 60_000;

/** Registers a member with activation by code; returns the member and the code the event carried. */
async function registerWithCode(p: Program, body: Record<string, unknown> = {}) {
  const member = await p.register({ activation: 'code', password: 'open sesame 1', ...body });
  const events = await p.events();
  const event = only(events, 'CustomerWasRegisteredWithoutActivation');
  return { member, code: event.data.activationCode as string, events };
}

const activate = (p: Program, memberId: string, code: string) => p.call('POST', `/v1/members/${memberId}/activate`, { code });
const wrongCodeFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('registration with activation by code', () => {
  it('leaves the member new and fires CustomerRegistered and CustomerWasRegisteredWithoutActivation with a 6-digit code, without enrolling', async () => {
    const p = await world.program();
    const { member, code, events } = await registerWithCode(p, { email: 'new@example.com' });
    expect(member).toMatchObject({ status: 'new', subscription: null, activatedAt: null });
    expect(namesOf(events)).toEqual(['CustomerRegistered', 'CustomerWasRegisteredWithoutActivation']);
    expect(events[0].data).toMatchObject({ active: false, customer: { customerId: member.id, contactId: member.contactId } });
    expect(code).toMatch(/^\d{6}$/);
    expect(events[1].data).toMatchObject({
      customer: { contactId: member.contactId, email: 'new@example.com' },
      channel: 'email',
      activationCodeExpiresAt: new Date(world.h.clock.now().getTime() + 24 * 60 * minute).toISOString(),
    });
    expect(await countRows(world.h, 'subscriptions', p.id)).toBe(0);
  });

  it('picks the channel: sms for a member with only a phone, or the one asked for', async () => {
    const p = await world.program();
    const phoneOnly = await p.call('POST', '/v1/members', { phone: '+33 6 00 00 00 01', activation: 'code' });
    expect(phoneOnly.statusCode, phoneOnly.body).toBe(201);
    expect(only(await p.events(), 'CustomerWasRegisteredWithoutActivation').data.channel).toBe('sms');
    await p.register({ activation: 'code', activationChannel: 'sms' });
    expect(only(await p.events(), 'CustomerWasRegisteredWithoutActivation').data.channel).toBe('sms');
  });

  it('activates the member with the code, enrolling them (subscription_created only)', async () => {
    const p = await world.program();
    const { member, code } = await registerWithCode(p);
    world.h.clock.advance(5 * minute);
    const response = await activate(p, member.id, code);
    expect(response.statusCode, response.body).toBe(200);
    const active = response.json();
    expect(active).toMatchObject({ status: 'active', activatedAt: world.h.clock.now().toISOString(), subscription: { status: 'active', role: 'owner' } });

    const events = await p.events();
    expect(namesOf(events)).toEqual(['subscription_created']);
    expect(events[0]).toMatchObject({
      contact_id: member.contactId,
      loyalty_subscription_id: active.subscription.loyaltySubscriptionId,
      created_at: world.h.clock.now().toISOString(),
    });

    // The code is single-use: the member is active now, and a second activation is refused.
    expectProblem(await activate(p, member.id, code), 409);
    expect(await countRows(world.h, 'subscriptions', p.id)).toBe(1);
    expect(await p.events()).toEqual([]);
  });

  it('takes the subscription id and back-dating at activation, refusing them at registration rather than dropping them', async () => {
    const p = await world.program();
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail(), activation: 'code', loyaltySubscriptionId: 'LATER' }),
      422, '/loyaltySubscriptionId');
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail(), activation: 'code', subscriptionCreatedAt: '2026-02-01T00:00:00.000Z' }),
      422, '/subscriptionCreatedAt');
    expect(await countRows(world.h, 'members', p.id)).toBe(0);

    await p.register({ loyaltySubscriptionId: 'TAKEN' });
    await p.events();
    const { member, code } = await registerWithCode(p);
    // A taken id refuses the activation and leaves the code usable.
    expectProblem(await p.call('POST', `/v1/members/${member.id}/activate`, { code, loyaltySubscriptionId: 'TAKEN' }), 409, '/loyaltySubscriptionId');
    expectProblem(await p.call('POST', `/v1/members/${member.id}/activate`, { code, subscriptionCreatedAt: '2027-01-01T00:00:00.000Z' }),
      422, '/subscriptionCreatedAt');
    expect(await p.events()).toEqual([]);

    const response = await p.call('POST', `/v1/members/${member.id}/activate`,
      { code, loyaltySubscriptionId: 'LATER', subscriptionCreatedAt: '2026-02-01T00:00:00.000Z' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().subscription).toMatchObject({ loyaltySubscriptionId: 'LATER', createdAt: '2026-02-01T00:00:00.000Z' });
    expect(only(await p.events(), 'subscription_created')).toMatchObject({
      contact_id: member.contactId, loyalty_subscription_id: 'LATER', created_at: '2026-02-01T00:00:00.000Z',
    });
  });

  it('stores the code only as a hash', async () => {
    const p = await world.program();
    const { member, code } = await registerWithCode(p);
    const rows = await world.h.db.query<{ row: string; raw: string }>(
      `SELECT row_to_json(c)::text AS row, encode(c.code_hash, 'escape') AS raw FROM member_codes c WHERE c.member_id = $1`,
      [member.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].row).not.toContain(code);
    expect(rows[0].raw).not.toContain(code);
    // The code still works: the row really is the one that checks it.
    expect((await activate(p, member.id, code)).statusCode).toBe(200);
  });
});

describe('wrong and expired codes', () => {
  it('refuses a wrong code with 422 naming /code and counts it; the right code still works before the limit', async () => {
    const p = await world.program();
    const { member, code } = await registerWithCode(p);
    const problem = expectProblem(await activate(p, member.id, wrongCodeFor(code)), 422, '/code');
    expect(problem.detail).toMatch(/4 more tries/);
    const [row] = await world.h.db.query<{ failed: number }>(
      `SELECT failed_attempts AS failed FROM member_codes WHERE member_id = $1`, [member.id]);
    expect(row.failed).toBe(1);
    expect((await p.call('GET', `/v1/members/${member.id}`)).json().status).toBe('new');
    expect(await p.events()).toEqual([]);
    expect((await activate(p, member.id, code)).statusCode).toBe(200);
  });

  it("voids the code after the program's maximum of wrong codes: even the right one fails until a new one is requested", async () => {
    const p = await world.program({ settings: { members: { activationMaxAttempts: 3 } } });
    const { member, code } = await registerWithCode(p, { phone: '+33600000002' });
    expectProblem(await activate(p, member.id, wrongCodeFor(code)), 422, '/code');
    expectProblem(await activate(p, member.id, wrongCodeFor(code)), 422, '/code');
    const last = expectProblem(await activate(p, member.id, wrongCodeFor(code)), 422, '/code');
    expect(last.detail).toMatch(/void/);

    const refused = expectProblem(await activate(p, member.id, code), 409);
    expect(refused.type).toBe('/problems/activation-code-missing');
    expect((await p.call('GET', `/v1/members/${member.id}`)).json()).toMatchObject({ status: 'new', subscription: null });
    expect(await p.events()).toEqual([]);

    const requested = await p.call('POST', `/v1/members/${member.id}/activation-code`, { channel: 'sms' });
    expect(requested.statusCode, requested.body).toBe(202);
    const events = await p.events();
    expect(namesOf(events)).toEqual(['CustomerRequestedSendActivationCode']);
    const fresh = events[0].data;
    expect(fresh).toMatchObject({ channel: 'sms', customer: { contactId: member.contactId }, activationCodeExpiresAt: requested.json().expiresAt });
    expect(fresh.activationCode).toMatch(/^\d{6}$/);

    expect((await activate(p, member.id, fresh.activationCode)).statusCode).toBe(200);
    expect(namesOf(await p.events())).toEqual(['subscription_created']);
  });

  it('replaces the earlier code when a new one is requested', async () => {
    const p = await world.program();
    const { member, code: first } = await registerWithCode(p);
    await p.call('POST', `/v1/members/${member.id}/activation-code`);
    const second = only(await p.events(), 'CustomerRequestedSendActivationCode').data.activationCode;
    expect(second).not.toBe(first);
    expectProblem(await activate(p, member.id, first), 422, '/code');
    expect((await activate(p, member.id, second)).statusCode).toBe(200);
  });

  it('answers 410 for an expired code, and a new code works', async () => {
    const p = await world.program({ settings: { members: { activationCodeTtlMinutes: 30 } } });
    const early = await registerWithCode(p);
    const late = await registerWithCode(p);
    world.h.clock.advance(30 * minute - 1);
    expect((await activate(p, early.member.id, early.code)).statusCode).toBe(200);
    await p.events();
    world.h.clock.advance(1);
    expectProblem(await activate(p, late.member.id, late.code), 410, '/code');
    expect((await p.call('GET', `/v1/members/${late.member.id}`)).json().status).toBe('new');
    expect(await p.events()).toEqual([]);

    await p.call('POST', `/v1/members/${late.member.id}/activation-code`);
    const fresh = only(await p.events(), 'CustomerRequestedSendActivationCode').data.activationCode;
    expect((await activate(p, late.member.id, fresh)).statusCode).toBe(200);
  });

  it("does not accept another member's code", async () => {
    const p = await world.program();
    const a = await registerWithCode(p);
    const b = await registerWithCode(p);
    if (a.code !== b.code) expectProblem(await activate(p, a.member.id, b.code), 422, '/code');
    expect((await activate(p, a.member.id, a.code)).statusCode).toBe(200);
  });

  it('refuses codes for members who are not new, and unknown members', async () => {
    const p = await world.program();
    const active = await p.register();
    expectProblem(await p.call('POST', `/v1/members/${active.id}/activation-code`), 409);
    expectProblem(await activate(p, active.id, '123456'), 409);
    const unknown = '01900000-0000-7000-8000-000000000000';
    expectProblem(await activate(p, unknown, '123456'), 404);
    expectProblem(await p.call('POST', `/v1/members/${unknown}/activation-code`), 404);
    expectProblem(await p.call('POST', `/v1/members/${active.id}/activate`, { code: '' }), 400, '/code');
    await p.events();

    const { member, code } = await registerWithCode(p);
    await p.call('POST', `/v1/members/${member.id}/deactivate`);
    expectProblem(await activate(p, member.id, code), 409);
    expect(contactOf(only(await p.events(), 'CustomerDeactivated'))).toBe(member.contactId);
    expect(await countRows(world.h, 'subscriptions', p.id)).toBe(1);
  });
});

it('keeps uniqueness for new members: a new member holds their e-mail', async () => {
  const p = await world.program();
  const email = uniqueEmail();
  await registerWithCode(p, { email });
  expectProblem(await p.call('POST', '/v1/members', { email }), 409, '/email');
});
