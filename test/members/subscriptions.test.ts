import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactOf, countRows, expectProblem, namesOf, only, startWorld, type Program, type World } from './helpers.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await world?.close();
});

const sub = (lsid: string) => `/v1/subscriptions/${encodeURIComponent(lsid)}`;
const add = (p: Program, lsid: string, memberIds: string[]) => p.call('POST', `${sub(lsid)}/members`, { memberIds });
const remove = (p: Program, lsid: string, memberId: string) => p.call('DELETE', `${sub(lsid)}/members/${memberId}`);
const revoke = (p: Program, lsid: string) => p.call('POST', `${sub(lsid)}/revoke`);

/** An active member free to join a household: registered (and so enrolled), then their own subscription revoked. */
async function freeMember(p: Program, body: Record<string, unknown> = {}) {
  const m = await p.register(body);
  expect((await revoke(p, m.subscription.loyaltySubscriptionId)).statusCode).toBe(200);
  await p.events();
  const fresh = (await p.call('GET', `/v1/members/${m.id}`)).json();
  expect(fresh).toMatchObject({ status: 'active', subscription: null });
  return fresh;
}

describe('households', () => {
  it('adds members: one subscription_member_added each, about the owner, naming the added member', async () => {
    const p = await world.program();
    const owner = await p.register({ loyaltySubscriptionId: 'HOME-1' });
    const a = await freeMember(p);
    const b = await freeMember(p);
    await p.events();

    const response = await add(p, 'HOME-1', [a.id, b.id]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      loyaltySubscriptionId: 'HOME-1', status: 'active', owner: { memberId: owner.id, contactId: owner.contactId },
      members: [{ memberId: a.id, contactId: a.contactId }, { memberId: b.id, contactId: b.contactId }],
    });

    const events = await p.events();
    expect(namesOf(events)).toEqual(['subscription_member_added', 'subscription_member_added']);
    expect(events.map((e) => e.member_id)).toEqual([a.contactId, b.contactId]);
    for (const event of events) {
      expect(event).toMatchObject({ contact_id: owner.contactId, loyalty_program: { id: p.id },
        identifiers: { loyalty_subscription_id: 'HOME-1', email_id: owner.email } });
    }

    expect((await p.call('GET', `/v1/members/${a.id}`)).json().subscription).toMatchObject({ loyaltySubscriptionId: 'HOME-1', role: 'member' });
    expect((await p.call('GET', `/v1/members/${owner.id}`)).json().subscription).toMatchObject({ loyaltySubscriptionId: 'HOME-1', role: 'owner' });
    const listed = (await p.call('GET', '/v1/members?loyaltySubscriptionId=HOME-1')).json().data.map((m: any) => m.id);
    expect(listed).toEqual([owner.id, a.id, b.id]);
    expect((await p.call('GET', sub('HOME-1'))).json().members).toHaveLength(2);
  });

  it('refuses the owner, a member of another subscription, an inactive or new member, or one already in: 409 naming /memberIds/<i>, nothing added', async () => {
    const p = await world.program();
    const owner = await p.register({ loyaltySubscriptionId: 'HOME-2' });
    const free = await freeMember(p);
    const elsewhere = await p.register();
    const inactive = await freeMember(p);
    await p.call('POST', `/v1/members/${inactive.id}/deactivate`);
    const fresh = await p.register({ activation: 'code' });
    await p.events();

    const cases: [string[], string][] = [
      [[owner.id], '/memberIds/0'],
      [[free.id, elsewhere.id], '/memberIds/1'],
      [[free.id, inactive.id], '/memberIds/1'],
      [[fresh.id, free.id], '/memberIds/0'],
    ];
    for (const [memberIds, field] of cases) {
      expectProblem(await add(p, 'HOME-2', memberIds), 409, field);
    }
    expectProblem(await add(p, 'HOME-2', [free.id, '01900000-0000-7000-8000-000000000000']), 404, '/memberIds/1');
    expect((await p.call('GET', sub('HOME-2'))).json().members).toEqual([]);
    expect(await p.events()).toEqual([]);

    expect((await add(p, 'HOME-2', [free.id])).statusCode).toBe(200);
    expectProblem(await add(p, 'HOME-2', [free.id]), 409, '/memberIds/0');
    expect(namesOf(await p.events())).toEqual(['subscription_member_added']);

    expectProblem(await add(p, 'HOME-2', []), 400, '/memberIds');
    expectProblem(await add(p, 'HOME-2', [free.id, free.id]), 400, '/memberIds');
    expectProblem(await add(p, 'HOME-2', ['nope']), 400, '/memberIds/0');
    expectProblem(await add(p, 'NO-SUCH-HOME', [free.id]), 404);
  });

  it('refuses a member of another household', async () => {
    const p = await world.program();
    await p.register({ loyaltySubscriptionId: 'HOME-3' });
    await p.register({ loyaltySubscriptionId: 'HOME-4' });
    const a = await freeMember(p);
    expect((await add(p, 'HOME-3', [a.id])).statusCode).toBe(200);
    const problem = expectProblem(await add(p, 'HOME-4', [a.id]), 409, '/memberIds/0');
    expect(problem.detail).toMatch(/another subscription/);
    // Nor can they be enrolled on their own while in a household.
    expectProblem(await p.call('POST', `/v1/members/${a.id}/subscription`, {}), 409);
  });

  it('removes a member: subscription_member_removed naming them; the owner cannot be removed', async () => {
    const p = await world.program();
    const owner = await p.register({ loyaltySubscriptionId: 'HOME-5' });
    const a = await freeMember(p);
    const b = await freeMember(p);
    await add(p, 'HOME-5', [a.id, b.id]);
    await p.events();

    const response = await remove(p, 'HOME-5', a.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().members.map((m: any) => m.memberId)).toEqual([b.id]);
    const event = only(await p.events(), 'subscription_member_removed');
    expect(event).toMatchObject({ contact_id: owner.contactId, member_id: a.contactId, identifiers: { loyalty_subscription_id: 'HOME-5' } });
    expect((await p.call('GET', `/v1/members/${a.id}`)).json().subscription).toBeNull();

    expectProblem(await remove(p, 'HOME-5', a.id), 404);
    expectProblem(await remove(p, 'HOME-5', owner.id), 409);
    expect(await p.events()).toEqual([]);

    // Once removed, the member may join again.
    expect((await add(p, 'HOME-5', [a.id])).statusCode).toBe(200);
  });
});

describe('revocation and enrolling again', () => {
  it('revokes: subscription_revoked, household released, profile kept; a second revoke is a 409', async () => {
    const p = await world.program();
    const owner = await p.register({ loyaltySubscriptionId: 'HOME-6', firstName: 'Olga' });
    const a = await freeMember(p);
    await add(p, 'HOME-6', [a.id]);
    await p.events();

    const response = await revoke(p, 'HOME-6');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ status: 'revoked', revokedAt: world.h.clock.now().toISOString() });
    const events = await p.events();
    expect(namesOf(events)).toEqual(['subscription_revoked', 'subscription_member_removed']);
    expect(events[0]).toMatchObject({ contact_id: owner.contactId, loyalty_subscription_id: 'HOME-6', loyalty_program: { id: p.id } });
    expect(events[1]).toMatchObject({ contact_id: owner.contactId, member_id: a.contactId });

    expect((await p.call('GET', `/v1/members/${owner.id}`)).json()).toMatchObject({ status: 'active', firstName: 'Olga', subscription: null });
    expect((await p.call('GET', `/v1/members/${a.id}`)).json().subscription).toBeNull();
    expect((await p.call('GET', sub('HOME-6'))).json()).toMatchObject({ status: 'revoked', members: [] });

    expectProblem(await revoke(p, 'HOME-6'), 409);
    const other = await freeMember(p);
    expectProblem(await add(p, 'HOME-6', [other.id]), 409);
    expectProblem(await remove(p, 'HOME-6', a.id), 409);
    expect(await p.events()).toEqual([]);
  });

  it('lets the member enrol again with POST /v1/members/:id/subscription (subscription_created)', async () => {
    const p = await world.program();
    const owner = await p.register({ loyaltySubscriptionId: 'HOME-7' });
    await revoke(p, 'HOME-7');
    await p.events();

    expectProblem(await p.call('POST', `/v1/members/${owner.id}/subscription`, { loyaltySubscriptionId: 'HOME-7' }), 409, '/loyaltySubscriptionId');
    expectProblem(await p.call('POST', `/v1/members/${owner.id}/subscription`, { createdAt: '2027-01-01T00:00:00.000Z' }), 422, '/createdAt');
    expectProblem(await p.call('POST', `/v1/members/${owner.id}/subscription`, { loyaltySubscriptionId: 'y'.repeat(65) }), 400, '/loyaltySubscriptionId');
    expect(await p.events()).toEqual([]);

    const response = await p.call('POST', `/v1/members/${owner.id}/subscription`, { loyaltySubscriptionId: 'HOME-7B', createdAt: '2026-02-01T00:00:00.000Z' });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().subscription).toMatchObject({ loyaltySubscriptionId: 'HOME-7B', status: 'active', createdAt: '2026-02-01T00:00:00.000Z' });
    const created = only(await p.events(), 'subscription_created');
    expect(created).toMatchObject({ contact_id: owner.contactId, loyalty_subscription_id: 'HOME-7B', created_at: '2026-02-01T00:00:00.000Z' });

    expectProblem(await p.call('POST', `/v1/members/${owner.id}/subscription`, {}), 409);
    expect(await countRows(world.h, 'subscriptions', p.id)).toBe(2);
  });

  it('enrols only active members', async () => {
    const p = await world.program();
    const fresh = await p.register({ activation: 'code' });
    expectProblem(await p.call('POST', `/v1/members/${fresh.id}/subscription`, {}), 409);
    const gone = await freeMember(p);
    await p.call('POST', `/v1/members/${gone.id}/deactivate`);
    expectProblem(await p.call('POST', `/v1/members/${gone.id}/subscription`, {}), 409);
    expectProblem(await p.call('POST', '/v1/members/01900000-0000-7000-8000-000000000000/subscription', {}), 404);
    expect(contactOf(only(await p.events(), 'CustomerDeactivated'))).toBe(gone.contactId);
  });
});

describe('members registered for a household', () => {
  it('enrol: false registers an active member without a subscription, who can then join a household', async () => {
    const p = await world.program();
    const owner = await p.register({ loyaltySubscriptionId: 'HOME-ENROL' });
    await p.events();
    const child = await p.register({ enrol: false });
    expect(child).toMatchObject({ status: 'active', subscription: null });
    expect(namesOf(await p.events())).toEqual(['CustomerRegistered']);
    expectProblem(await p.call('POST', '/v1/members', { enrol: false, loyaltySubscriptionId: 'X' }), 422, '/loyaltySubscriptionId');
    expect((await add(p, 'HOME-ENROL', [child.id])).statusCode).toBe(200);
    expect((await p.call('GET', `/v1/members/${child.id}`)).json().subscription).toMatchObject({ loyaltySubscriptionId: 'HOME-ENROL', role: 'member' });
    expect(owner.subscription.loyaltySubscriptionId).toBe('HOME-ENROL');
  });

  it('revoking a household tells of every member it releases (subscription_member_removed each)', async () => {
    const p = await world.program();
    const owner = await p.register({ loyaltySubscriptionId: 'HOME-REVOKE' });
    const a = await p.register({ enrol: false });
    const b = await p.register({ enrol: false });
    expect((await add(p, 'HOME-REVOKE', [a.id, b.id])).statusCode).toBe(200);
    await p.events();
    expect((await revoke(p, 'HOME-REVOKE')).statusCode).toBe(200);
    const events = await p.events();
    expect(namesOf(events)).toEqual(['subscription_revoked', 'subscription_member_removed', 'subscription_member_removed']);
    expect(events.slice(1).map((e) => e.member_id)).toEqual([a.contactId, b.contactId]);
    expect(events.every((e) => contactOf(e) === owner.contactId)).toBe(true);
    expect((await p.call('GET', `/v1/members/${a.id}`)).json().subscription).toBeNull();
  });
});
