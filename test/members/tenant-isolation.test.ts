import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, only, startWorld, type Program, type World } from './helpers.ts';

let world: World;
let a: Program;
let b: Program;
let inA: any;
let inB: any;
let freeInA: any;

beforeAll(async () => {
  world = await startWorld({ start: '2026-03-01T09:00:00.000Z' });
  a = await world.program();
  b = await world.program();
  inA = await a.register({ email: 'alice@a.example', loyaltySubscriptionId: 'SAME' });
  inB = await b.register({ email: 'bob@b.example', phone: '+33600000099', cardId: 'B-CARD', loyaltySubscriptionId: 'SAME', password: 'bob secret 1' });
  freeInA = await a.register();
  await a.call('POST', `/v1/subscriptions/${freeInA.subscription.loyaltySubscriptionId}/revoke`);
  await a.events();
  await b.events();
});
afterAll(async () => {
  await world?.close();
});

/** B's member as B sees them: unchanged by anything A tried. */
async function expectBUntouched() {
  const seen = await b.call('GET', `/v1/members/${inB.id}`);
  expect(seen.statusCode).toBe(200);
  expect(seen.json()).toMatchObject({ status: 'active', email: 'bob@b.example', firstName: null, updatedAt: inB.updatedAt,
    subscription: { loyaltySubscriptionId: 'SAME', status: 'active' } });
  expect(await b.events()).toEqual([]);
}

describe("a program's key and another program's members", () => {
  it('cannot read them by id or find them by any identifier', async () => {
    expectProblem(await a.call('GET', `/v1/members/${inB.id}`), 404);
    for (const query of [`contactId=${inB.contactId}`, 'email=bob@b.example', 'phone=%2B33600000099', 'cardId=B-CARD', 'search=bob', 'status=active']) {
      const list = await a.call('GET', `/v1/members?${query}`);
      expect(list.statusCode).toBe(200);
      expect(list.json().data.map((m: any) => m.id), query).not.toContain(inB.id);
    }
    expect((await a.call('GET', '/v1/members?loyaltySubscriptionId=SAME')).json().data.map((m: any) => m.id)).toEqual([inA.id]);
  });

  it('cannot change them', async () => {
    expectProblem(await a.call('PATCH', `/v1/members/${inB.id}`, { firstName: 'Mallory' }), 404);
    for (const action of ['deactivate', 'reactivate', 'anonymise']) expectProblem(await a.call('POST', `/v1/members/${inB.id}/${action}`), 404);
    expectProblem(await a.call('POST', `/v1/members/${inB.id}/activate`, { code: '123456' }), 404);
    expectProblem(await a.call('POST', `/v1/members/${inB.id}/activation-code`), 404);
    expectProblem(await a.call('POST', `/v1/members/${inB.id}/subscription`, {}), 404);
    await expectBUntouched();
  });

  it("cannot trigger or use their password resets", async () => {
    expect((await a.call('POST', '/v1/members/password-reset-requests', { identifier: 'bob@b.example' })).statusCode).toBe(202);
    expect(await a.events()).toEqual([]);
    await expectBUntouched();
    await b.call('POST', '/v1/members/password-reset-requests', { identifier: 'bob@b.example' });
    const token = only(await b.events(), 'CustomerRequestedPasswordReset').data.resetToken;
    expectProblem(await a.call('POST', '/v1/members/password-resets', { token, password: 'taken over 1' }), 422, '/token');
    const login = await world.h.call('POST', `/v1/programs/${b.id}/member-sessions`, { key: '', body: { identifier: 'bob@b.example', password: 'bob secret 1' } });
    expect(login.statusCode).toBe(201);
  });
});

describe("a program's key and another program's subscriptions", () => {
  it('sees its own subscription under a shared subscription id, never the other one', async () => {
    const own = await a.call('GET', '/v1/subscriptions/SAME');
    expect(own.json().owner.memberId).toBe(inA.id);
    expect((await b.call('GET', '/v1/subscriptions/SAME')).json().owner.memberId).toBe(inB.id);
    expectProblem(await a.call('GET', `/v1/subscriptions/${inB.subscription.id}`), 404);
  });

  it('cannot add members across programs, remove them or revoke', async () => {
    expectProblem(await a.call('POST', '/v1/subscriptions/SAME/members', { memberIds: [inB.id] }), 404, '/memberIds/0');
    const onlyB = await world.program();
    const bHome = await onlyB.register({ loyaltySubscriptionId: 'ONLY-IN-B' });
    expectProblem(await a.call('POST', '/v1/subscriptions/ONLY-IN-B/members', { memberIds: [freeInA.id] }), 404);
    expectProblem(await a.call('DELETE', `/v1/subscriptions/ONLY-IN-B/members/${bHome.id}`), 404);
    expectProblem(await a.call('POST', '/v1/subscriptions/ONLY-IN-B/revoke'), 404);
    expect((await onlyB.call('GET', '/v1/subscriptions/ONLY-IN-B')).json()).toMatchObject({ status: 'active', members: [] });
    expect((await a.call('GET', '/v1/subscriptions/SAME')).json().members).toEqual([]);
    expect(await a.events()).toEqual([]);
    await expectBUntouched();
  });
});

describe('program boundaries of keys', () => {
  it("refuses another program's settings, clock and header", async () => {
    expectProblem(await a.call('GET', `/v1/programs/${b.id}`), 403);
    expectProblem(await a.call('PATCH', `/v1/programs/${b.id}`, { settings: { members: { identifiers: { email: { unique: false } } } } }), 403);
    expectProblem(await a.call('POST', `/v1/programs/${b.id}/clock/advance`, { by: 'P1D' }), 403);
    expectProblem(await a.call('GET', `/v1/members/${inB.id}`, undefined, { 'punchcard-program': b.id }), 403);
    expect((await b.call('GET', `/v1/programs/${b.id}`)).json().settings.members.identifiers.email.unique).toBe(true);
  });

  it('lets an admin key act on a program it names, and only that one', async () => {
    const admin = (url: string, program?: string) =>
      world.h.call('GET', url, program ? { headers: { 'punchcard-program': program } } : {});
    expect((await admin(`/v1/members/${inB.id}`, b.id)).json().id).toBe(inB.id);
    expectProblem(await admin(`/v1/members/${inB.id}`, a.id), 404);
    expectProblem(await admin(`/v1/members/${inB.id}`), 400, 'header.punchcard-program');
  });
});
