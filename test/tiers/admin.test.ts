import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { levelChanges, nameOf, tierProgram } from './support.ts';
import { closeReceivers } from '../ledger/support.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sandbox: true, start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await h?.close();
  await closeReceivers();
});

describe('manual tiers', () => {
  it('are kept by recalculations until removed; removal goes back to the earned tier', async () => {
    const p = await tierProgram(h);
    const available = (minimum: number) => [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum }];
    const medal = await p.group({ name: 'Medal', downgradeStrategy: { kind: 'realtime' } }, [['Bronze', []], ['Silver', available(100)], ['Gold', available(500)]]);
    const other = await p.group({ name: 'Other' }, [['Basic', []]]);
    const [, silver, gold] = medal.tiers;
    const member = await p.member();
    await p.events();

    const assigned = await p.ok('PUT', `/v1/members/${member.id}/tiers/${medal.id}`, { tierId: gold.id });
    expect(assigned.data.find((t: any) => t.groupId === medal.id)).toMatchObject({ tierName: 'Gold', manual: true });
    const manual = await p.events();
    expect(levelChanges(manual)).toEqual([{ to: 'Gold', from: 'Bronze', direction: 'up', manual: true }]);
    expect(manual.find((e) => nameOf(e) === 'tier_association_updated')).toMatchObject({ upgraded: true, source_event_id: null, source: 'api' });
    expect((await p.tiers(member.id)).find((t) => t.groupId === medal.id)).toMatchObject({ tierName: 'Gold', manual: true, nextRecalculationAt: null });

    // Real-time changes leave a manual tier alone; assigning the same tier again changes nothing.
    await p.move(member.id, 'credit', 200);
    await p.ok('PUT', `/v1/members/${member.id}/tiers/${medal.id}`, { tierId: gold.id });
    expect(levelChanges(await p.events())).toEqual([]);

    // Removal: the member earns Silver (200 available).
    await p.ok('DELETE', `/v1/members/${member.id}/tiers/${medal.id}/manual`);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Silver', from: 'Gold', direction: 'down', manual: true }]);
    expect((await p.tiers(member.id)).find((t) => t.groupId === medal.id)).toMatchObject({ tierId: silver.id, manual: false });
    // Automatic again: a spend takes them down at once.
    await p.move(member.id, 'debit', 150);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Bronze', from: 'Silver', direction: 'down', manual: false }]);

    const refusals: Array<[string, string, unknown, number, string | null]> = [
      ['DELETE', `/v1/members/${member.id}/tiers/${medal.id}/manual`, undefined, 409, null],
      ['PUT', `/v1/members/${member.id}/tiers/${medal.id}`, { tierId: other.tiers[0].id }, 422, '/tierId'],
      ['PUT', `/v1/members/${member.id}/tiers/01900000-0000-7000-8000-000000000000`, { tierId: gold.id }, 404, null],
      ['PUT', `/v1/members/01900000-0000-7000-8000-000000000000/tiers/${medal.id}`, { tierId: gold.id }, 404, null],
      ['PUT', `/v1/members/${member.id}/tiers/${medal.id}`, { tierId: 'gold' }, 400, null],
    ];
    for (const [method, url, body, status, field] of refusals) {
      const response = await p.call(method, url, body);
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
      if (field) expect(response.json().errors[0].field).toBe(field);
    }
    // A deactivated member keeps their tier but cannot be given another.
    await p.ok('POST', `/v1/members/${member.id}/deactivate`);
    const inactive = await p.call('PUT', `/v1/members/${member.id}/tiers/${medal.id}`, { tierId: gold.id });
    expect(inactive.statusCode).toBe(409);
    expect(levelChanges(await p.events())).toEqual([]);
  });

  it('belong to subscription owners: a household member added to a subscription holds none', async () => {
    const p = await tierProgram(h);
    const medal = await p.group({ name: 'Medal' }, [['Bronze', []]]);
    const owner = await p.member();
    const partner = await p.member({ enrol: false });
    expect(await p.tiers(partner.id)).toEqual([]);
    await p.ok('POST', `/v1/subscriptions/${owner.subscription.loyaltySubscriptionId}/members`, { memberIds: [partner.id] });
    const response = await p.call('PUT', `/v1/members/${partner.id}/tiers/${medal.id}`, { tierId: medal.tiers[0].id });
    expect(response.statusCode).toBe(409);
    expect(response.json().type).toContain('no-subscription');
  });
});

describe('a deactivated member', () => {
  it('keeps their tier through its scheduled moments, silently, and their calendar goes on after reactivation', async () => {
    const p = await tierProgram(h);
    await p.group({ name: 'Medal', upgradeStrategy: { kind: 'realtime' }, downgradeStrategy: { kind: 'tier_anniversary' },
      downgradeResets: [{ balanceDefinitionId: p.points, mode: 'deductAll' }] }, [
      ['Bronze', []], ['Gold', [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum: 500 }]],
    ]);
    const member = await p.member();
    await p.move(member.id, 'credit', 600);
    await p.move(member.id, 'debit', 450);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Gold', nextRecalculationAt: '2027-03-01T09:00:00.000Z' }]);
    await p.ok('POST', `/v1/members/${member.id}/deactivate`);
    await p.events();

    // A year passes: no monthly anniversary, reminder, LevelWillExpire, downgrade nor refused reset.
    await p.advance({ to: '2027-03-02T00:00:00.000Z' });
    expect((await p.events()).map(nameOf)).toEqual([]);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Gold', attributedAt: '2026-03-01T09:00:00.000Z',
      nextRecalculationAt: '2028-03-01T09:00:00.000Z' }]);
    expect((await p.ok('GET', `/v1/members/${member.id}/balances`)).data[0]).toMatchObject({ available: 150 });

    // Active again: the calendar goes on from its next moment (the 13th month of Gold, 10:00 Paris time).
    await p.ok('POST', `/v1/members/${member.id}/reactivate`);
    await p.advance({ to: '2027-04-02T00:00:00.000Z' });
    expect((await p.events()).map((e) => `${nameOf(e)}@${e.event_date ?? e.timestamp}`)).toEqual([
      'CustomerUpdated@2027-03-02T00:00:00.000Z', 'tier_association_month_anniversary@2027-04-01T08:00:00.000Z',
    ]);
  });
});

describe('re-enrolment', () => {
  it('starts again from the entry tier', async () => {
    const p = await tierProgram(h);
    const medal = await p.group({ name: 'Medal' }, [['Bronze', []], ['Gold', [{ kind: 'monthsSinceJoining', minimum: 60 }]]]);
    const member = await p.member();
    await p.ok('PUT', `/v1/members/${member.id}/tiers/${medal.id}`, { tierId: medal.tiers[1].id });
    await p.ok('POST', `/v1/subscriptions/${member.subscription.loyaltySubscriptionId}/revoke`);
    await p.events();
    // Revoked: the tier is kept, its calendar stops at its next moment.
    await p.advance({ by: 'P40D' });
    expect((await p.events()).map(nameOf)).toEqual([]);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Gold', manual: true }]);
    await p.ok('POST', `/v1/members/${member.id}/subscription`, {}, 201);
    const events = await p.events();
    expect(events.map(nameOf)).toEqual(['subscription_created', 'CustomerLevelChanged', 'tier_association_updated']);
    expect(levelChanges(events)).toEqual([{ to: 'Bronze', from: 'Gold', direction: 'down', manual: false }]);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Bronze', manual: false }]);
  });
});

describe('program recalculation', () => {
  it('gives every enrolled member their tier in batches, with progress, one run at a time', async () => {
    const p = await tierProgram(h);
    const members = [];
    for (let i = 0; i < 103; i++) members.push(await p.member());
    await p.move(members[0].id, 'credit', 300);
    // The group comes after the members enrolled: they have no tier yet.
    const group = await p.ok('POST', '/v1/tier-groups', { name: 'Status', upgradeStrategy: { kind: 'membership_anniversary' } }, 201);
    const basic = await p.ok('POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Basic', order: 0 }, 201);
    const plus = await p.ok('POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Plus', order: 1,
      conditions: [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum: 250 }, { kind: 'monthsSinceJoining', minimum: 12 }],
      conditionsMatch: 'any' }, 201);
    await p.events();
    expect(await p.tiers(members[1].id)).toEqual([]);
    // A second later, so that a member enrolling during the run has an id after every one of them.
    await p.advance({ by: 'PT1S' });

    const run = await p.ok('POST', '/v1/tier-recalculations', undefined, 202);
    expect(run).toMatchObject({ status: 'running', total: 103, processed: 0, changed: 0, completedAt: null });
    expect((await p.call('POST', '/v1/tier-recalculations')).statusCode).toBe(409);
    expect(await h.scheduler.runOne()).toBe(true);
    expect(await p.ok('GET', `/v1/tier-recalculations/${run.id}`)).toMatchObject({ status: 'running', total: 103, processed: 100, changed: 100 });
    // Enrolled during the run (with the entry tier): still ahead of the cursor, so counted in the total when reached.
    const late = await p.member();
    // The second batch fails on its second member: it is rolled back whole, progress stays at the
    // first batch, and the retry resumes from the cursor.
    await h.db.query(`CREATE FUNCTION fail_tier_test() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await h.db.query(`CREATE TRIGGER fail_tier_test BEFORE INSERT ON member_tiers FOR EACH ROW
      WHEN (NEW.member_id = '${members[101].id}') EXECUTE FUNCTION fail_tier_test()`);
    expect(await h.scheduler.runOne()).toBe(true);
    expect(await p.ok('GET', `/v1/tier-recalculations/${run.id}`)).toMatchObject({ status: 'running', processed: 100, changed: 100 });
    expect(await p.tiers(members[100].id)).toEqual([]);
    await h.db.query(`DROP TRIGGER fail_tier_test ON member_tiers`);
    await h.db.query(`DROP FUNCTION fail_tier_test()`);
    await p.advance({ by: 'PT1M' });
    expect(await p.ok('GET', `/v1/tier-recalculations/${run.id}`)).toMatchObject({ status: 'completed', total: 104, processed: 104, changed: 103 });

    const events = await p.events();
    const changes = events.filter((e) => nameOf(e) === 'CustomerLevelChanged');
    expect(changes).toHaveLength(104);
    expect(changes.filter((e) => e.data.customer.customerId === late.id)).toHaveLength(1);
    expect(events.filter((e) => nameOf(e) === 'tier_association_updated')).toHaveLength(104);
    expect(changes.filter((e) => e.data.levelId === plus.id).map((e) => e.data.customer.customerId)).toEqual([members[0].id]);
    expect(changes.every((e) => e.data.previousLevelId === null && e.data.direction === 'up' && e.data.manual === false)).toBe(true);
    expect(await p.tiers(members[1].id)).toMatchObject([{ tierId: basic.id, nextRecalculationAt: '2027-03-01T09:00:00.000Z' }]);
    // Nothing left to change: a second run changes nobody and fires nothing. It keeps a manual
    // tier, and does not take members[0] down (300 spent, Basic earned): the group never downgrades.
    await p.move(members[0].id, 'debit', 300);
    await p.ok('PUT', `/v1/members/${members[1].id}/tiers/${group.id}`, { tierId: plus.id });
    expect(levelChanges(await p.events())).toEqual([{ to: 'Plus', from: 'Basic', direction: 'up', manual: true }]);
    const again = await p.ok('POST', '/v1/tier-recalculations', undefined, 202);
    await p.advance({ by: 'PT1S' });
    expect(await p.ok('GET', `/v1/tier-recalculations/${again.id}`)).toMatchObject({ status: 'completed', total: 104, processed: 104, changed: 0 });
    expect(levelChanges(await p.events())).toEqual([]);
    expect(await p.tiers(members[0].id)).toMatchObject([{ tierId: plus.id, manual: false }]);
    expect(await p.tiers(members[1].id)).toMatchObject([{ tierId: plus.id, manual: true }]);
  });
});
