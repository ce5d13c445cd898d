import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectProblem, namesOf, only, startWorld, uniqueEmail, type Program, type World } from './helpers.ts';

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
const oldPassword = 'old secret 11';
const newPassword = 'new secret 22';

const logIn = (p: Program, identifier: string, password: string) =>
  world.h.call('POST', `/v1/programs/${p.id}/member-sessions`, { key: '', body: { identifier, password } });
const requestReset = (p: Program, identifier: string) => p.call('POST', '/v1/members/password-reset-requests', { identifier });
const reset = (p: Program, token: string, password: string) => p.call('POST', '/v1/members/password-resets', { token, password });

let phones = 0;
/** An active member with a password, and the reset token a request for them produced. */
async function memberWithToken(p: Program, identifier?: (m: any) => string) {
  const member = await p.register({ email: uniqueEmail('reset'), phone: `+4479${String(++phones).padStart(8, '0')}`, password: oldPassword });
  await p.events();
  const answer = await requestReset(p, identifier ? identifier(member) : member.email);
  expect(answer.statusCode, answer.body).toBe(202);
  expect(answer.json()).toEqual({ accepted: true });
  const event = only(await p.events(), 'CustomerRequestedPasswordReset');
  return { member, token: event.data.resetToken as string, event };
}

describe('asking for a reset', () => {
  it('fires CustomerRequestedPasswordReset with a token for an active member, found by e-mail (any case), phone or card', async () => {
    const p = await world.program();
    const { member, token, event } = await memberWithToken(p, (m) => m.email.toUpperCase());
    expect(typeof token).toBe('string');
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(event.data).toMatchObject({
      customer: { customerId: member.id, contactId: member.contactId, email: member.email },
      resetTokenExpiresAt: new Date(world.h.clock.now().getTime() + 60 * minute).toISOString(),
    });
    for (const identifier of [member.phone.replace('+44', '+44 '), member.cardId]) {
      expect((await requestReset(p, identifier)).statusCode).toBe(202);
      expect(only(await p.events(), 'CustomerRequestedPasswordReset').data.customer.contactId).toBe(member.contactId);
    }
  });

  it('answers 202 for an unknown identifier, a new member or a deactivated one, and emits nothing', async () => {
    const p = await world.program();
    const fresh = await p.register({ activation: 'code', password: oldPassword });
    const gone = await p.register({ password: oldPassword });
    await p.call('POST', `/v1/members/${gone.id}/deactivate`);
    await p.events();
    for (const identifier of ['nobody@example.com', '+33699999999', 'NO-SUCH-CARD', fresh.email, gone.email]) {
      const answer = await requestReset(p, identifier);
      expect(answer.statusCode).toBe(202);
      expect(answer.json()).toEqual({ accepted: true });
    }
    expect(await p.events()).toEqual([]);
    const [{ n }] = await world.h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM member_codes WHERE program_id = $1 AND purpose = 'password_reset'`, [p.id]);
    expect(n).toBe(0);
  });
});

describe('resetting the password', () => {
  it('sets the new password with the token, once', async () => {
    const p = await world.program();
    const { member, token } = await memberWithToken(p);
    const done = await reset(p, token, newPassword);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toEqual({ reset: true });
    expectProblem(await logIn(p, member.email, oldPassword), 401);
    expect((await logIn(p, member.email, newPassword)).statusCode).toBe(201);

    const again = expectProblem(await reset(p, token, 'third secret 33'), 422, '/token');
    expect(again.detail).toMatch(/already used/);
    expect((await logIn(p, member.email, newPassword)).statusCode).toBe(201);
    // Resetting fires no event of its own.
    expect(await p.events()).toEqual([]);
  });

  it('refuses an expired token with 422', async () => {
    const p = await world.program({ settings: { members: { passwordResetTtlMinutes: 15 } } });
    const { member, token } = await memberWithToken(p);
    world.h.clock.advance(15 * minute);
    expectProblem(await reset(p, token, newPassword), 422, '/token');
    expect((await logIn(p, member.email, oldPassword)).statusCode).toBe(201);
  });

  it('works until just before the token expires', async () => {
    const p = await world.program({ settings: { members: { passwordResetTtlMinutes: 15 } } });
    const { token } = await memberWithToken(p);
    world.h.clock.advance(15 * minute - 1);
    expect((await reset(p, token, newPassword)).statusCode).toBe(200);
  });

  it('refuses a weak password with 422 naming /password, leaving the token usable', async () => {
    const p = await world.program();
    const { member, token } = await memberWithToken(p);
    for (const weak of ['short1', 'onlyletters', 'Password1']) expectProblem(await reset(p, token, weak), 422, '/password');
    expect((await logIn(p, member.email, oldPassword)).statusCode).toBe(201);
    expect((await reset(p, token, newPassword)).statusCode).toBe(200);
  });

  it('refuses an unknown token, a token of another program, and a token replaced by a newer request', async () => {
    const a = await world.program();
    const b = await world.program();
    const { member, token: first } = await memberWithToken(a);
    expectProblem(await reset(a, 'not-a-token', newPassword), 422, '/token');
    expectProblem(await reset(b, first, newPassword), 422, '/token');

    await requestReset(a, member.email);
    const second = only(await a.events(), 'CustomerRequestedPasswordReset').data.resetToken;
    expect(second).not.toBe(first);
    expectProblem(await reset(a, first, newPassword), 422, '/token');
    expect((await reset(a, second, newPassword)).statusCode).toBe(200);
  });

  it('ends the sessions opened before the reset', async () => {
    const p = await world.program();
    const member = await p.register({ password: oldPassword });
    const login = await logIn(p, member.email, oldPassword);
    expect(login.statusCode, login.body).toBe(201);
    const session = login.json().token;
    expect((await world.h.call('GET', '/v1/me', { key: session })).statusCode).toBe(200);

    await requestReset(p, member.email);
    const token = only(await p.events(), 'CustomerRequestedPasswordReset').data.resetToken;
    expect((await reset(p, token, newPassword)).statusCode).toBe(200);

    expectProblem(await world.h.call('GET', '/v1/me', { key: session }), 401);
    const fresh = (await logIn(p, member.email, newPassword)).json().token;
    expect((await world.h.call('GET', '/v1/me', { key: fresh })).json().id).toBe(member.id);
  });

  it('unlocks an account locked by wrong passwords', async () => {
    const p = await world.program();
    const { member, token } = await memberWithToken(p);
    for (let i = 0; i < 5; i++) expectProblem(await logIn(p, member.email, 'wrong guess 0'), 401);
    expectProblem(await logIn(p, member.email, oldPassword), 429);
    expect((await reset(p, token, newPassword)).statusCode).toBe(200);
    expect((await logIn(p, member.email, newPassword)).statusCode).toBe(201);
    expect(namesOf(await p.events())).toEqual([]);
  });
});
