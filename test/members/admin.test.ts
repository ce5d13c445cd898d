import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contactOf, expectProblem, namesOf, only, startWorld, type Program, type World } from './helpers.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await world?.close();
});
// The login route caps attempts per client and minute; each test starts in a fresh minute.
beforeEach(() => world.h.clock.advance(61_000));

const password = 'admin test 42';
const logIn = (p: Program, identifier: string) =>
  world.h.call('POST', `/v1/programs/${p.id}/member-sessions`, { key: '', body: { identifier, password } });
const ids = (page: { data: any[] }) => page.data.map((m) => m.id);
const patch = (p: Program, id: string, body: unknown) => p.call('PATCH', `/v1/members/${id}`, body);
const get = (p: Program, id: string) => p.call('GET', `/v1/members/${id}`);
const list = async (p: Program, query: string) => {
  const response = await p.call('GET', `/v1/members?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { data: any[]; nextCursor: string | null };
};

describe('profile updates by the admin or an integration', () => {
  it('fires CustomerUpdated with the changed fields, merging custom attributes and removing those set to null', async () => {
    const p = await world.program();
    const m = await p.register({ firstName: 'Jane', customAttributes: { PREFERRED_STORE: 'Lyon', NEWSLETTER: true } });
    await p.events();
    const response = await patch(p, m.id, { firstName: 'Janet', lastName: 'Doe', customAttributes: { TIER_HINT: 'gold', NEWSLETTER: null } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ firstName: 'Janet', lastName: 'Doe' });
    expect(response.json().customAttributes).toEqual({ PREFERRED_STORE: 'Lyon', TIER_HINT: 'gold' });

    const events = await p.events();
    expect(namesOf(events)).toEqual(['CustomerUpdated']);
    expect(events[0].data.changedFields.sort()).toEqual(['customAttributes.NEWSLETTER', 'customAttributes.TIER_HINT', 'firstName', 'lastName']);
    expect(events[0].data.customer).toMatchObject({ customerId: m.id, contactId: m.contactId, firstName: 'Janet', lastName: 'Doe' });
    expect((await get(p, m.id)).json().customAttributes).toEqual({ PREFERRED_STORE: 'Lyon', TIER_HINT: 'gold' });
  });

  it('fires nothing when nothing changes', async () => {
    const p = await world.program();
    const m = await p.register({ firstName: 'Jane', phone: '+33612345001', customAttributes: { A: 1 } });
    await p.events();
    const response = await patch(p, m.id, { firstName: 'Jane', phone: '+33 6 12 34 50 01', customAttributes: { A: 1, ABSENT: null } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().updatedAt).toBe(m.updatedAt);
    expect(await p.events()).toEqual([]);
  });

  it('changes and clears identifiers, checking them like registration does', async () => {
    const p = await world.program();
    const m = await p.register({ phone: '+33612345002', cardId: 'C-1' });
    const other = await p.register({ cardId: 'C-2' });
    await p.events();
    expectProblem(await patch(p, m.id, { email: other.email.toUpperCase() }), 409, '/email');
    expectProblem(await patch(p, m.id, { cardId: 'C-2' }), 409, '/cardId');
    expectProblem(await patch(p, m.id, { phone: '0612345002' }), 422, '/phone');
    expectProblem(await patch(p, m.id, { birthDate: '2030-01-01' }), 422, '/birthDate');
    expectProblem(await patch(p, m.id, { birthDate: '0000-01-01' }), 422, '/birthDate');
    expectProblem(await patch(p, m.id, { cardId: ' ' }), 422, '/cardId');
    expectProblem(await patch(p, m.id, { customAttributes: { SMS: '+33600000000' } }), 422, '/customAttributes/SMS');
    expectProblem(await patch(p, m.id, { nickname: 'x' }), 400, '/nickname');
    expect(await p.events()).toEqual([]);
    expect((await get(p, m.id)).json()).toMatchObject({ email: m.email, phone: '+33612345002', cardId: 'C-1' });

    const response = await patch(p, m.id, { phone: null, cardId: 'c-2', birthDate: '1985-07-01' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ phone: null, cardId: 'c-2', birthDate: '1985-07-01' });
    expect(only(await p.events(), 'CustomerUpdated').data.changedFields.sort()).toEqual(['birthDate', 'cardId', 'phone']);
  });

  it('answers 404 for an unknown member and 400 for a malformed id', async () => {
    const p = await world.program();
    expectProblem(await get(p, '01900000-0000-7000-8000-000000000000'), 404);
    expectProblem(await patch(p, '01900000-0000-7000-8000-000000000000', { firstName: 'x' }), 404);
    expectProblem(await get(p, 'not-an-id'), 400);
  });
});

describe('look-ups and lists', () => {
  let p: Program;
  let members: any[];
  beforeAll(async () => {
    p = await world.program();
    members = [
      await p.register({ email: 'Alice.Martin@Example.com', phone: '+33611000001', cardId: 'LK-1', firstName: 'Alice', lastName: 'Martin' }),
      await p.register({ email: 'bob@example.com', phone: '+33611000002', cardId: 'LK-2', firstName: 'Bob', lastName: 'Marley' }),
      await p.register({ email: 'carol@example.com', firstName: 'Carol', lastName: 'Smith' }),
      await p.register({ email: 'dave@example.com', firstName: 'Dave', lastName: 'Martinez' }),
      await p.register({ email: 'erin@example.com', firstName: 'Erin', lastName: '100%' }),
    ];
    await p.call('POST', `/v1/members/${members[3].id}/deactivate`);
  });

  it('finds a member by id, contact id, e-mail (any case), phone (any spelling), card number and subscription id', async () => {
    const alice = members[0];
    expect((await get(p, alice.id)).json()).toMatchObject({ id: alice.id, contactId: alice.contactId });
    expect(ids(await list(p, `contactId=${alice.contactId}`))).toEqual([alice.id]);
    expect(ids(await list(p, 'email=alice.martin@EXAMPLE.com'))).toEqual([alice.id]);
    expect(ids(await list(p, `phone=${encodeURIComponent('+33611000001')}`))).toEqual([alice.id]);
    expect(ids(await list(p, `phone=${encodeURIComponent('+33 6 11 00 00 01')}`))).toEqual([alice.id]);
    expect(ids(await list(p, 'cardId=LK-1'))).toEqual([alice.id]);
    expect(ids(await list(p, 'cardId=lk-1'))).toEqual([]);
    expect(ids(await list(p, `loyaltySubscriptionId=${encodeURIComponent(alice.subscription.loyaltySubscriptionId)}`))).toEqual([alice.id]);
    expect(ids(await list(p, 'email=nobody@example.com'))).toEqual([]);
    expectProblem(await p.call('GET', `/v1/members?phone=${encodeURIComponent('06 11 00 00 01')}`), 422, 'query.phone');
  });

  it('filters by status and searches by prefix of first name, last name or e-mail', async () => {
    expect(ids(await list(p, 'status=inactive'))).toEqual([members[3].id]);
    expect(ids(await list(p, 'status=active'))).toEqual([members[0], members[1], members[2], members[4]].map((m) => m.id));
    expect(ids(await list(p, 'search=mar'))).toEqual([members[0].id, members[1].id, members[3].id]);
    expect(ids(await list(p, 'search=MARTIN'))).toEqual([members[0].id, members[3].id]);
    expect(ids(await list(p, 'search=carol%40'))).toEqual([members[2].id]);
    expect(ids(await list(p, 'search=tin'))).toEqual([]);
    // LIKE wildcards in the search are literal characters.
    expect(ids(await list(p, 'search=%25'))).toEqual([]);
    expect(ids(await list(p, 'search=_ob'))).toEqual([]);
    expect(ids(await list(p, 'search=100%25'))).toEqual([members[4].id]);
    expect(ids(await list(p, 'search=mar&status=active'))).toEqual([members[0].id, members[1].id]);
  });

  it('pages with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const page: { data: any[]; nextCursor: string | null } = await list(p, `limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      sizes.push(page.data.length);
      seen.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(members.map((m) => m.id));

    const filtered = await list(p, 'status=active&limit=3');
    expect(ids(filtered)).toEqual([members[0], members[1], members[2]].map((m) => m.id));
    const rest = await list(p, `status=active&limit=3&cursor=${filtered.nextCursor}`);
    expect(ids(rest)).toEqual([members[4].id]);
    expect(rest.nextCursor).toBeNull();

    expectProblem(await p.call('GET', '/v1/members?cursor=garbage'), 422, /cursor$/);
    expectProblem(await p.call('GET', '/v1/members?limit=0'), 400);
    expectProblem(await p.call('GET', '/v1/members?colour=red'), 400);
  });
});

describe('deactivation, reactivation and anonymisation', () => {
  it('deactivates: CustomerDeactivated, login refused, history kept; a second deactivation is a 409', async () => {
    const p = await world.program();
    const m = await p.register({ password });
    await p.events();
    const response = await p.call('POST', `/v1/members/${m.id}/deactivate`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ status: 'inactive', deactivatedAt: world.h.clock.now().toISOString(),
      subscription: { loyaltySubscriptionId: m.subscription.loyaltySubscriptionId, status: 'active' } });
    const events = await p.events();
    expect(namesOf(events)).toEqual(['CustomerDeactivated']);
    expect(events[0].data.customer).toMatchObject({ customerId: m.id, contactId: m.contactId, email: m.email });

    expectProblem(await logIn(p, m.email), 403);
    expectProblem(await p.call('POST', `/v1/members/${m.id}/deactivate`), 409);
    expect(await p.events()).toEqual([]);
  });

  it('reactivates a deactivated member (CustomerUpdated with status), who can log in again', async () => {
    const p = await world.program();
    const m = await p.register({ password });
    expectProblem(await p.call('POST', `/v1/members/${m.id}/reactivate`), 409);
    await p.call('POST', `/v1/members/${m.id}/deactivate`);
    await p.events();
    const response = await p.call('POST', `/v1/members/${m.id}/reactivate`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ status: 'active', deactivatedAt: null });
    const event = only(await p.events(), 'CustomerUpdated');
    expect(event.data.changedFields).toEqual(['status']);
    expect((await logIn(p, m.email)).statusCode).toBe(201);

    // A member deactivated before activating comes back as new.
    const fresh = await p.register({ activation: 'code' });
    await p.call('POST', `/v1/members/${fresh.id}/deactivate`);
    expect((await p.call('POST', `/v1/members/${fresh.id}/reactivate`)).json().status).toBe('new');
  });

  it('anonymises: personal data erased, contact id and subscription kept, no login, no further changes', async () => {
    const p = await world.program();
    const m = await p.register({ email: 'Forget.Me@Example.com', phone: '+33612345003', cardId: 'GDPR-1', firstName: 'Forget',
      lastName: 'Me', birthDate: '1970-01-01', customAttributes: { CITY: 'Paris' }, password });
    const token = (await logIn(p, m.email)).json().token;
    await p.call('POST', '/v1/members/password-reset-requests', { identifier: m.email });
    await p.events();

    const response = await p.call('POST', `/v1/members/${m.id}/anonymise`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      id: m.id, contactId: m.contactId, status: 'anonymised', email: null, phone: null, cardId: null, firstName: null,
      lastName: null, birthDate: null, customAttributes: {}, hasPassword: false,
      subscription: { loyaltySubscriptionId: m.subscription.loyaltySubscriptionId, status: 'active' },
    });
    const event = only(await p.events(), 'CustomerUpdated');
    expect(event.data.customer).toEqual({ customerId: m.id, contactId: m.contactId, email: null, phone: null, loyaltyCardNumber: null,
      firstName: null, lastName: null });
    expect(event.data.changedFields.sort()).toEqual(['birthDate', 'cardId', 'customAttributes.CITY', 'email', 'firstName', 'lastName', 'phone', 'status']);

    // Nothing personal stays in the member's row, and their secrets are gone.
    const [row] = await world.h.db.query<{ row: string }>(`SELECT row_to_json(m)::text AS row FROM members m WHERE id = $1`, [m.id]);
    for (const personal of ['forget.me', 'Forget', '612345003', 'GDPR-1', '1970', 'Paris', 'scrypt']) expect(row.row).not.toContain(personal);
    const [{ n }] = await world.h.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM member_codes WHERE member_id = $1) + (SELECT count(*) FROM member_sessions WHERE member_id = $1) AS n`, [m.id]);
    expect(Number(n)).toBe(0);

    expectProblem(await world.h.call('GET', '/v1/me', { key: token }), 401);
    expectProblem(await logIn(p, 'forget.me@example.com'), 401);
    expect(ids(await list(p, 'email=forget.me@example.com'))).toEqual([]);
    expect(ids(await list(p, `contactId=${m.contactId}`))).toEqual([m.id]);
    for (const action of ['anonymise', 'deactivate', 'reactivate']) expectProblem(await p.call('POST', `/v1/members/${m.id}/${action}`), 409);
    expectProblem(await patch(p, m.id, { firstName: 'Back' }), 409);
    expect(await p.events()).toEqual([]);

    // The identifiers are free again.
    const again = await p.register({ email: 'forget.me@example.com', phone: '+33612345003', cardId: 'GDPR-1' });
    expect(again.contactId).not.toBe(m.contactId);
    expect(contactOf(only(await p.events(), 'subscription_created'))).toBe(again.contactId);
  });
});
