import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactOf, countRows, expectProblem, namesOf, only, startWorld, uniqueEmail, type World } from './helpers.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await world?.close();
});

describe('registration without activation', () => {
  it('makes the member active at once and fires CustomerRegistered then subscription_created with the given subscription id and back-dated created_at', async () => {
    const p = await world.program();
    const response = await p.call('POST', '/v1/members', {
      email: 'Jane.Doe@Example.com',
      phone: '+33 6 12 34 56 78',
      cardId: 'CARD-0001',
      firstName: 'Jane',
      lastName: 'Doe',
      birthDate: '1990-04-12',
      customAttributes: { PREFERRED_STORE: 'Lyon', NEWSLETTER: true },
      password: 'correct horse 42',
      loyaltySubscriptionId: 'HOUSE-0001',
      subscriptionCreatedAt: '2026-01-15T10:00:00.000Z',
    });
    expect(response.statusCode, response.body).toBe(201);
    const member = response.json();
    expect(member).toMatchObject({
      status: 'active',
      email: 'Jane.Doe@Example.com',
      phone: '+33612345678',
      cardId: 'CARD-0001',
      birthDate: '1990-04-12',
      customAttributes: { PREFERRED_STORE: 'Lyon', NEWSLETTER: true },
      hasPassword: true,
      activatedAt: '2026-03-01T09:00:00.000Z',
      subscription: { loyaltySubscriptionId: 'HOUSE-0001', status: 'active', role: 'owner', createdAt: '2026-01-15T10:00:00.000Z' },
    });
    expect(Number.isInteger(member.contactId)).toBe(true);
    expect(response.body).not.toContain('correct horse');

    const events = await p.events();
    expect(namesOf(events)).toEqual(['CustomerRegistered', 'subscription_created']);
    const [registered, created] = events;
    expect(registered.data).toMatchObject({
      programId: p.id,
      active: true,
      customer: {
        customerId: member.id, contactId: member.contactId, email: 'Jane.Doe@Example.com', phone: '+33612345678',
        loyaltyCardNumber: 'CARD-0001', firstName: 'Jane', lastName: 'Doe',
      },
    });
    expect(created).toMatchObject({
      event_name: 'subscription_created',
      contact_id: member.contactId,
      program_id: p.id,
      source: 'api',
      loyalty_subscription_id: 'HOUSE-0001',
      created_at: '2026-01-15T10:00:00.000Z',
      loyalty_program: { id: p.id },
      identifiers: { email_id: 'Jane.Doe@Example.com', phone_id: '+33612345678', ext_id: 'CARD-0001', loyalty_subscription_id: 'HOUSE-0001' },
      contact_properties: { FIRSTNAME: 'Jane', LASTNAME: 'Doe', PREFERRED_STORE: 'Lyon', NEWSLETTER: true },
    });
    expect(created.sequence).toBe(registered.data.sequence + 1);
  });

  it('generates the subscription id when none is given and dates the subscription now', async () => {
    const p = await world.program();
    const member = await p.register();
    const events = await p.events();
    const created = only(events, 'subscription_created');
    expect(typeof created.loyalty_subscription_id).toBe('string');
    expect(created.loyalty_subscription_id.length).toBeGreaterThan(0);
    expect(created.loyalty_subscription_id).toBe(member.subscription.loyaltySubscriptionId);
    expect(created.created_at).toBe(world.h.clock.now().toISOString());
    expect(created.identifiers.loyalty_subscription_id).toBe(created.loyalty_subscription_id);

    const other = await p.register();
    expect(other.subscription.loyaltySubscriptionId).not.toBe(member.subscription.loyaltySubscriptionId);
  });

  it('hands out numeric, distinct contact ids and puts them in the events', async () => {
    const p = await world.program();
    const members = [await p.register(), await p.register(), await p.register()];
    const ids = members.map((m) => m.contactId);
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
    expect(new Set(ids).size).toBe(3);
    const events = await p.events();
    expect(events.filter((e) => e.event_name === 'subscription_created').map(contactOf)).toEqual(ids);
    expect(events.filter((e) => e.type === 'CustomerRegistered').map(contactOf)).toEqual(ids);
  });

  it("generates the card number from the program's pattern when none is given, and keeps a given one as is", async () => {
    const p = await world.program({ settings: { members: { cardIdPattern: 'PC-AA-####' } } });
    const a = await p.register();
    const b = await p.register();
    expect(a.cardId).toMatch(/^PC-[A-HJ-NP-Z]{2}-\d{4}$/);
    expect(b.cardId).toMatch(/^PC-[A-HJ-NP-Z]{2}-\d{4}$/);
    expect(a.cardId).not.toBe(b.cardId);
    const events = await p.events();
    expect(only(events.filter((e) => contactOf(e) === a.contactId), 'subscription_created').identifiers.ext_id).toBe(a.cardId);

    const given = await p.register({ cardId: 'abc-1' });
    expect(given.cardId).toBe('abc-1');
    // Card numbers are case-sensitive: another case is another card.
    expect((await p.register({ cardId: 'ABC-1' })).cardId).toBe('ABC-1');

    const defaults = await world.program();
    expect((await defaults.register()).cardId).toMatch(/^\d{10}$/);

    const none = await world.program({ settings: { members: { cardIdPattern: null } } });
    expect((await none.register()).cardId).toBeNull();
  });

  it('compares e-mail addresses case-insensitively', async () => {
    const p = await world.program();
    await p.register({ email: 'Jane.Doe@Example.com' });
    const before = await countRows(world.h, 'members', p.id);
    await p.events();
    expectProblem(await p.call('POST', '/v1/members', { email: 'jane.doe@EXAMPLE.COM' }), 409, '/email');
    expect(await countRows(world.h, 'members', p.id)).toBe(before);
    expect(await p.events()).toEqual([]);
  });

  it('drops the national trunk prefix written as (0) after the country code', async () => {
    const p = await world.program();
    expect((await p.register({ phone: '+33 (0)6 12 34 56 78' })).phone).toBe('+33612345678');
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail(), phone: '+33612345678' }), 409, '/phone');
  });

  it('stores phones in E.164 and sees two spellings of one number as a duplicate', async () => {
    const p = await world.program();
    const member = await p.register({ phone: '+33 6 12 34 56 78' });
    expect(member.phone).toBe('+33612345678');
    const events = await p.events();
    expect(only(events, 'subscription_created').identifiers.phone_id).toBe('+33612345678');
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail(), phone: '0033 (6) 12-34-56-78' }), 409, '/phone');
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail(), phone: '+33612345678' }), 409, '/phone');
    expect(await countRows(world.h, 'members', p.id)).toBe(1);
  });

  it('refuses a duplicate card number or subscription id with 409 naming the field, creating nothing', async () => {
    const p = await world.program();
    await p.register({ cardId: 'CARD-7', loyaltySubscriptionId: 'SUB-7' });
    await p.events();
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail(), cardId: 'CARD-7' }), 409, '/cardId');
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail(), loyaltySubscriptionId: 'SUB-7' }), 409, '/loyaltySubscriptionId');
    expect(await countRows(world.h, 'members', p.id)).toBe(1);
    expect(await countRows(world.h, 'subscriptions', p.id)).toBe(1);
    expect(await p.events()).toEqual([]);
  });

  it('lets the same identifiers and subscription id live in two programs', async () => {
    const a = await world.program();
    const b = await world.program();
    const body = { email: 'shared@example.com', phone: '+447700900123', cardId: 'SHARED-1', loyaltySubscriptionId: 'SUB-SHARED' };
    await a.register(body);
    const inB = await b.register(body);
    expect(inB.subscription.loyaltySubscriptionId).toBe('SUB-SHARED');
  });
});

describe('retries', () => {
  it('registers once for a repeated Idempotency-Key, replaying the first answer', async () => {
    const p = await world.program();
    const body = { email: uniqueEmail(), loyaltySubscriptionId: 'RETRY-1' };
    const first = await p.call('POST', '/v1/members', body, { 'idempotency-key': 'register-retry-1' });
    const again = await p.call('POST', '/v1/members', body, { 'idempotency-key': 'register-retry-1' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    expect(await countRows(world.h, 'members', p.id)).toBe(1);
    expect(namesOf(await p.events())).toEqual(['CustomerRegistered', 'subscription_created']);
    expectProblem(await p.call('POST', '/v1/members', { ...body, firstName: 'Other' }, { 'idempotency-key': 'register-retry-1' }),
      422, 'header.idempotency-key');
  });
});

describe('identifier rules per program', () => {
  it('enforces required identifiers and allows duplicates where an identifier is not unique', async () => {
    const p = await world.program();
    const patched = await p.call('PATCH', `/v1/programs/${p.id}`, {
      settings: { members: { identifiers: { phone: { required: true }, email: { unique: false } } } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().settings.members.identifiers).toEqual({
      email: { required: false, unique: false },
      phone: { required: true, unique: true },
      cardId: { required: false, unique: true },
    });

    expectProblem(await p.call('POST', '/v1/members', { email: 'twin@example.com' }), 422, '/phone');
    expect(await countRows(world.h, 'members', p.id)).toBe(0);

    const first = await p.register({ email: 'twin@example.com', phone: '+33611111111' });
    const second = await p.register({ email: 'TWIN@example.com', phone: '+33622222222' });
    expect(second.id).not.toBe(first.id);
    // Phone is still unique.
    expectProblem(await p.call('POST', '/v1/members', { email: 'x@example.com', phone: '+33 6 11 11 11 11' }), 409, '/phone');

    // Required applies to updates too: the phone cannot be removed.
    expectProblem(await p.call('PATCH', `/v1/members/${first.id}`, { phone: null }), 422, '/phone');

    // Making e-mail unique again refuses new duplicates.
    await p.call('PATCH', `/v1/programs/${p.id}`, { settings: { members: { identifiers: { email: { unique: true } } } } });
    expectProblem(await p.call('POST', '/v1/members', { email: 'twin@example.com', phone: '+33633333333' }), 409, '/email');
    expect(await countRows(world.h, 'members', p.id)).toBe(2);
  });

  it('refuses a required card number when the program generates none', async () => {
    const p = await world.program({ settings: { members: { cardIdPattern: null, identifiers: { cardId: { required: true } } } } });
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail() }), 422, '/cardId');
    expect((await p.register({ cardId: 'GIVEN-1' })).cardId).toBe('GIVEN-1');
  });

  it('keeps the matching priority and refuses malformed identifier settings', async () => {
    const p = await world.program();
    const patched = await p.call('PATCH', `/v1/programs/${p.id}`, { settings: { members: { matchingPriority: ['email', 'cardId'] } } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().settings.members.matchingPriority).toEqual(['email', 'cardId']);
    expectProblem(await p.call('PATCH', `/v1/programs/${p.id}`, { settings: { members: { matchingPriority: ['email', 'email'] } } }),
      422, '/settings/members/matchingPriority');
    expectProblem(await p.call('PATCH', `/v1/programs/${p.id}`, { settings: { members: { cardIdPattern: 'PC-XX' } } }),
      422, '/settings/members/cardIdPattern');
    expectProblem(await p.call('PATCH', `/v1/programs/${p.id}`, { settings: { members: { identifiers: { email: { optional: true } } } } }),
      400, '/settings/members/identifiers/email/optional');
    expect((await p.call('GET', `/v1/programs/${p.id}`)).json().settings.members).toMatchObject({
      matchingPriority: ['email', 'cardId'], cardIdPattern: '##########' });
  });

  it('answers 409 naming /cardId when the card pattern has no free number left', async () => {
    const p = await world.program({ settings: { members: { cardIdPattern: 'X#' } } });
    for (let digit = 0; digit < 10; digit++) await p.register({ cardId: `X${digit}` });
    expectProblem(await p.call('POST', '/v1/members', { email: uniqueEmail() }), 409, '/cardId');
    expect(await countRows(world.h, 'members', p.id)).toBe(10);
  });

  it('allows duplicate card numbers where cards are not unique', async () => {
    const p = await world.program({ settings: { members: { identifiers: { cardId: { unique: false } } } } });
    await p.register({ cardId: 'FAMILY' });
    await p.register({ cardId: 'FAMILY' });
    const list = await p.call('GET', '/v1/members?cardId=FAMILY');
    expect(list.json().data).toHaveLength(2);
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['a malformed e-mail', { email: 'not-an-email' }, 400, '/email'],
    ['a national phone without country code', { phone: '06 12 34 56 78' }, 422, '/phone'],
    ['a phone with letters', { phone: '+33 6 CALL ME' }, 422, '/phone'],
    ['a birth date that is not a calendar date', { birthDate: '1990-02-30' }, 422, '/birthDate'],
    ['a birth date in another format', { birthDate: '12/04/1990' }, 400, '/birthDate'],
    ['a birth date in the future', { birthDate: '2026-03-02' }, 422, '/birthDate'],
    ['a birth date in year 0', { birthDate: '0000-01-01' }, 422, '/birthDate'],
    ['a birth date before 1900', { birthDate: '1899-12-31' }, 422, '/birthDate'],
    ['a blank card number', { cardId: '   ' }, 422, '/cardId'],
    ['a custom attribute named like a standard contact attribute', { customAttributes: { EMAIL: 'other@example.com' } }, 422, '/customAttributes/EMAIL'],
    ['a too short password', { password: 'ab1' }, 422, '/password'],
    ['a password without digits or symbols', { password: 'abcdefghij' }, 422, '/password'],
    ['a common password', { password: 'Password1' }, 422, '/password'],
    ['an unknown field', { nickname: 'JD' }, 400, '/nickname'],
    ['a subscription dated in the future', { subscriptionCreatedAt: '2027-01-01T00:00:00.000Z' }, 422, '/subscriptionCreatedAt'],
    ['a subscription id over 64 characters', { loyaltySubscriptionId: 'x'.repeat(65) }, 400, '/loyaltySubscriptionId'],
    ['a custom attribute holding an object', { customAttributes: { nested: { a: 1 } } }, 400, '/customAttributes/nested'],
    ['an unknown activation mode', { activation: 'magic' }, 400, '/activation'],
  ];

  it.each(cases)('refuses %s with a problem naming the field, creating nothing', async (_label, body, status, field) => {
    const p = await world.program();
    const response = await p.call('POST', '/v1/members', { email: uniqueEmail(), ...body });
    expectProblem(response, status, field);
    expect(await countRows(world.h, 'members', p.id)).toBe(0);
    expect(await countRows(world.h, 'subscriptions', p.id)).toBe(0);
    expect(await p.events()).toEqual([]);
  });

  it('accepts a birth date of today, one in 1900 and a strong password', async () => {
    const p = await world.program();
    const member = await p.register({ birthDate: '2026-03-01', password: 'tr0ub4dor&3' });
    expect(member).toMatchObject({ birthDate: '2026-03-01', hasPassword: true });
    expect((await p.register({ birthDate: '1900-01-01' })).birthDate).toBe('1900-01-01');
  });
});
