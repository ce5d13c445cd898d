import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../../src/config/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { expectProblem, namesOf, startWorld, uniqueEmail, type Program, type World } from './helpers.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await world?.close();
});
// The login route caps attempts per client and minute; each test starts in a fresh minute.
beforeEach(() => world.h.clock.advance(61_000));

const minute = 60_000;
const password = 'my secret 123';
let phones = 0;
const newPhone = () => `+3361${String(++phones).padStart(7, '0')}`;

const logIn = (programId: string, identifier: string, secret = password) =>
  world.h.call('POST', `/v1/programs/${programId}/member-sessions`, { key: '', body: { identifier, password: secret } });
const me = (token: string, method = 'GET', body?: unknown) => world.h.call(method, '/v1/me', { key: token, body });

async function member(p: Program, body: Record<string, unknown> = {}) {
  const created = await p.register({ email: uniqueEmail('Self'), phone: newPhone(), password, ...body });
  await p.events();
  return created;
}
async function session(p: Program, m: { email: string }) {
  const response = await logIn(p.id, m.email);
  expect(response.statusCode, response.body).toBe(201);
  return response.json().token as string;
}

describe('logging in', () => {
  it('logs in by e-mail in any case, by phone in any spelling, and by card number, for one hour', async () => {
    const p = await world.program();
    const m = await member(p, { email: 'Mixed.Case@Example.com', phone: '+33 6 44 55 66 77', cardId: 'CARD-SELF-1' });
    for (const identifier of ['mixed.case@example.COM', '+33 6 44 55 66 77', '0033644556677', 'CARD-SELF-1']) {
      const response = await logIn(p.id, identifier);
      expect(response.statusCode, `${identifier}: ${response.body}`).toBe(201);
      expect(response.json()).toMatchObject({
        memberId: m.id,
        expiresAt: new Date(world.h.clock.now().getTime() + 60 * minute).toISOString(),
      });
      expect(response.json().token).toMatch(/^pcm_/);
    }
    // Card numbers are case-sensitive.
    expectProblem(await logIn(p.id, 'card-self-1'), 401);
  });

  it('refuses a wrong password or an unknown identifier with the same 401', async () => {
    const p = await world.program();
    const m = await member(p);
    const wrong = expectProblem(await logIn(p.id, m.email, 'not my secret 1'), 401);
    const unknown = expectProblem(await logIn(p.id, 'nobody@example.com'), 401);
    expect(unknown.detail).toBe(wrong.detail);
    const noPassword = await p.register({ email: uniqueEmail() });
    expectProblem(await logIn(p.id, noPassword.email, 'anything 123'), 401);
  });

  it('caps a client address at 20 attempts a minute across accounts and API processes; other addresses and programs go on', async () => {
    const p = await world.program();
    const other = await world.program();
    const m = await member(p);
    // A second API process on the same database: its own Fastify instance, sharing nothing in memory.
    const second = await buildApp({ ctx: world.h.ctx, scheduler: world.h.scheduler });
    try {
      const attempt = (app: typeof second, programId: string, remoteAddress: string, identifier = 'nobody@example.com') =>
        app.inject({ method: 'POST', url: `/v1/programs/${programId}/member-sessions`, remoteAddress,
          payload: { identifier, password: 'wrong guess 123' } });
      for (let i = 0; i < 10; i++) {
        expectProblem(await attempt(world.h.app, p.id, '203.0.113.7', `nobody${i}@example.com`), 401);
        expectProblem(await attempt(second, p.id, '203.0.113.7', `someone${i}@example.com`), 401);
      }
      const capped = expectProblem(await attempt(world.h.app, p.id, '203.0.113.7'), 429);
      expect(capped.type).toBe('/problems/too-many-logins');
      expectProblem(await attempt(second, p.id, '203.0.113.7'), 429);
      // The right password does not help that address; another address, or another program, is not held back.
      expect((await attempt(world.h.app, p.id, '203.0.113.7', m.email)).statusCode).toBe(429);
      expectProblem(await attempt(second, p.id, '198.51.100.4'), 401);
      expectProblem(await attempt(second, other.id, '203.0.113.7'), 401);
      world.h.clock.advance(minute);
      expectProblem(await attempt(second, p.id, '203.0.113.7'), 401);
    } finally {
      await second.close();
    }
  });

  it('behind a trusted proxy, counts the forwarded client address, not the proxy\'s', async () => {
    const p = await world.program();
    const proxied = await buildApp({ ctx: world.h.ctx, scheduler: world.h.scheduler, trustProxy: parseTrustProxy('10.0.0.0/8') });
    try {
      const attempt = (client: string) => proxied.inject({ method: 'POST', url: `/v1/programs/${p.id}/member-sessions`,
        remoteAddress: '10.1.2.3', headers: { 'x-forwarded-for': client }, payload: { identifier: 'nobody@example.com', password: 'wrong guess 123' } });
      for (let i = 0; i < 20; i++) expectProblem(await attempt('203.0.113.50'), 401);
      expectProblem(await attempt('203.0.113.50'), 429);
      // Another member's device behind the same proxy is not held back.
      expectProblem(await attempt('203.0.113.51'), 401);
    } finally {
      await proxied.close();
    }
    // A hop count: one proxy in front, so the address it saw (the last forwarded one) is the client.
    const oneHop = await buildApp({ ctx: world.h.ctx, scheduler: world.h.scheduler, trustProxy: parseTrustProxy('1') });
    try {
      const attempt = (forwarded: string) => oneHop.inject({ method: 'POST', url: `/v1/programs/${p.id}/member-sessions`,
        remoteAddress: '10.9.9.9', headers: { 'x-forwarded-for': forwarded }, payload: { identifier: 'nobody@example.com', password: 'wrong guess 123' } });
      // Whatever a client puts in front of the header, the proxy's own entry decides.
      for (let i = 0; i < 20; i++) expectProblem(await attempt(`198.51.100.${i}, 203.0.113.60`), 401);
      expectProblem(await attempt('192.0.2.1, 203.0.113.60'), 429);
      expectProblem(await attempt('203.0.113.50, 203.0.113.61'), 401);
    } finally {
      await oneHop.close();
    }
  });

  it('locks the account for 15 minutes after 5 wrong passwords in a row', async () => {
    const p = await world.program();
    const m = await member(p);
    for (let i = 0; i < 5; i++) expectProblem(await logIn(p.id, m.email, `guess number ${i}`), 401);
    expectProblem(await logIn(p.id, m.email), 429);
    world.h.clock.advance(15 * minute - 1);
    expectProblem(await logIn(p.id, m.email), 429);
    world.h.clock.advance(1);
    expect((await logIn(p.id, m.email)).statusCode).toBe(201);
  });

  it('forgets earlier wrong passwords after a successful login', async () => {
    const p = await world.program();
    const m = await member(p);
    for (let i = 0; i < 4; i++) expectProblem(await logIn(p.id, m.email, `guess number ${i}`), 401);
    expect((await logIn(p.id, m.email)).statusCode).toBe(201);
    for (let i = 0; i < 4; i++) expectProblem(await logIn(p.id, m.email, `guess number ${i}`), 401);
    expect((await logIn(p.id, m.email)).statusCode).toBe(201);
  });

  it('refuses a deactivated or a not yet activated member, and ends a deactivated member\'s session', async () => {
    const p = await world.program();
    const m = await member(p);
    const token = await session(p, m);
    expect((await p.call('POST', `/v1/members/${m.id}/deactivate`)).statusCode).toBe(200);
    expectProblem(await me(token), 401);
    expectProblem(await logIn(p.id, m.email), 403);

    const fresh = await member(p, { activation: 'code' });
    expectProblem(await logIn(p.id, fresh.email), 403);

    await p.call('POST', `/v1/members/${m.id}/reactivate`);
    expect((await logIn(p.id, m.email)).statusCode).toBe(201);
  });

  it('keeps only a hash of the session token', async () => {
    const p = await world.program();
    const m = await member(p);
    const token = await session(p, m);
    const rows = await world.h.db.query<{ row: string }>(
      `SELECT row_to_json(s)::text AS row FROM member_sessions s WHERE s.member_id = $1`, [m.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].row).not.toContain(token.slice(4));
  });

  it('expires the token after an hour', async () => {
    const p = await world.program();
    const m = await member(p);
    const token = await session(p, m);
    world.h.clock.advance(60 * minute - 1);
    expect((await me(token)).statusCode).toBe(200);
    world.h.clock.advance(1);
    expectProblem(await me(token), 401);
    expectProblem(await me(token, 'PATCH', { phone: newPhone() }), 401);
  });
});

describe('the member\'s own profile', () => {
  it('reads the profile with the token', async () => {
    const p = await world.program();
    const m = await member(p, { firstName: 'Ada' });
    const response = await me(await session(p, m));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: m.id, contactId: m.contactId, email: m.email, firstName: 'Ada', status: 'active',
      subscription: { loyaltySubscriptionId: m.subscription.loyaltySubscriptionId } });
    expect(response.body).not.toContain('scrypt');
  });

  it('changes the phone: CustomerPhoneNumberWasChanged with the old and new numbers, and nothing else', async () => {
    const p = await world.program();
    const m = await member(p);
    const token = await session(p, m);
    const response = await me(token, 'PATCH', { phone: '+44 20 7946 0000' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().phone).toBe('+442079460000');
    const events = await p.events();
    expect(namesOf(events)).toEqual(['CustomerPhoneNumberWasChanged']);
    expect(events[0].data).toMatchObject({ oldPhone: m.phone, newPhone: '+442079460000',
      customer: { contactId: m.contactId, phone: '+442079460000' } });
    expect((await p.call('GET', `/v1/members/${m.id}`)).json().phone).toBe('+442079460000');
  });

  it('changes the e-mail: CustomerEmailWasChanged; both at once fire both', async () => {
    const p = await world.program();
    const m = await member(p);
    const token = await session(p, m);
    const email = uniqueEmail('changed');
    expect((await me(token, 'PATCH', { email })).statusCode).toBe(200);
    const events = await p.events();
    expect(namesOf(events)).toEqual(['CustomerEmailWasChanged']);
    expect(events[0].data).toMatchObject({ oldEmail: m.email, newEmail: email, customer: { email } });
    // The new address logs in; the old one no longer does.
    expect((await logIn(p.id, email)).statusCode).toBe(201);
    expectProblem(await logIn(p.id, m.email), 401);

    const phone = newPhone();
    const other = uniqueEmail('again');
    expect((await me(token, 'PATCH', { email: other, phone })).statusCode).toBe(200);
    expect(namesOf(await p.events()).sort()).toEqual(['CustomerEmailWasChanged', 'CustomerPhoneNumberWasChanged']);
  });

  it('fires nothing when nothing changes', async () => {
    const p = await world.program();
    const m = await member(p);
    const token = await session(p, m);
    expect((await me(token, 'PATCH', { phone: m.phone, email: m.email })).statusCode).toBe(200);
    expect(await p.events()).toEqual([]);
  });

  it('refuses bad changes: taken e-mail, national phone, other fields, an empty body', async () => {
    const p = await world.program();
    const m = await member(p);
    const taken = await member(p);
    const token = await session(p, m);
    expectProblem(await me(token, 'PATCH', { email: taken.email.toUpperCase() }), 409, '/email');
    expectProblem(await me(token, 'PATCH', { phone: '06 12 34 56 78' }), 422, '/phone');
    expectProblem(await me(token, 'PATCH', { firstName: 'Eve' }), 400, '/firstName');
    expectProblem(await me(token, 'PATCH', { email: 'nope' }), 400, '/email');
    expectProblem(await me(token, 'PATCH', {}), 400);
    expect((await me(token)).json()).toMatchObject({ email: m.email, phone: m.phone });
    expect(await p.events()).toEqual([]);
  });
});

describe('tokens and keys do not mix', () => {
  it('refuses a program key as a member token, and a member token as a program key', async () => {
    const p = await world.program();
    const m = await member(p);
    const token = await session(p, m);
    expectProblem(await me(p.key), 401);
    expectProblem(await me(world.h.adminKey), 401);
    expectProblem(await world.h.call('GET', '/v1/members', { key: token }), 401);
    expectProblem(await world.h.call('GET', `/v1/members/${m.id}`, { key: token }), 401);
    expectProblem(await world.h.call('PATCH', `/v1/members/${m.id}`, { key: token, body: { firstName: 'Mallory' } }), 401);
    expectProblem(await world.h.call('GET', `/v1/programs/${p.id}`, { key: token }), 401);
    expectProblem(await world.h.call('GET', '/v1/me', { key: '' }), 401);
    expectProblem(await me('pcm_forged-token'), 401);
  });

  it("keeps one program's member out of another program", async () => {
    const a = await world.program();
    const b = await world.program();
    const inA = await member(a);
    const inB = await member(b, { email: uniqueEmail('b') });
    const tokenB = await session(b, inB);
    // B's member sees only themselves, never A.
    const own = await me(tokenB);
    expect(own.json().id).toBe(inB.id);
    expectProblem(await world.h.call('GET', `/v1/members/${inA.id}`, { key: tokenB }), 401);
    // Naming program A in the header changes nothing: the token decides the program.
    const named = await world.h.call('GET', '/v1/me', { key: tokenB, headers: { 'punchcard-program': a.id } });
    expect(named.statusCode).toBe(200);
    expect(named.json().id).toBe(inB.id);
    // B's credentials do not open A, and A's member cannot log into B.
    expectProblem(await logIn(a.id, inB.email), 401);
    expectProblem(await logIn(b.id, inA.email), 401);
    // Changing B's phone to A's member's phone is fine: uniqueness is per program.
    expect((await me(tokenB, 'PATCH', { phone: inA.phone })).statusCode).toBe(200);
    expect(await a.events()).toEqual([]);
  });

  it('answers 404 for login to an unknown program', async () => {
    expectProblem(await logIn('01900000-0000-7000-8000-000000000000', 'x@example.com'), 404);
  });
});
