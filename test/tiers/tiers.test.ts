import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTiers } from '../../src/services/tiers/recalculate.ts';
import { gatherStanding } from '../../src/services/tiers/standing.ts';
import { findMemberSubscription } from '../../src/storage/subscriptions.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { levelChanges, nameOf, tierProgram, type TierProgram } from './support.ts';
import { closeReceivers } from '../ledger/support.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sandbox: true, start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await h?.close();
  await closeReceivers();
});

const tierRows = () => h.db.query(`SELECT * FROM tiers ORDER BY id`);
const groupRows = () => h.db.query(`SELECT * FROM tier_groups ORDER BY id`);

const availableAtLeast = (p: TierProgram, minimum: number) => [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum }];

describe('tier groups and tiers: bad input changes nothing', () => {
  it('answers a 4xx naming the field', async () => {
    const p = await tierProgram(h);
    const group = await p.ok('POST', '/v1/tier-groups', { name: 'Medal' }, 201);
    expect(group).toMatchObject({ upgradeStrategy: { kind: 'realtime' }, downgradeStrategy: { kind: 'none' }, tiers: [] });
    const before = { tiers: await tierRows(), groups: await groupRows() };
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/v1/tier-groups', { upgradeStrategy: { kind: 'realtime' } }, 400, '/name'],
      ['POST', '/v1/tier-groups', { name: 'X', upgradeStrategy: { kind: 'none' } }, 422, '/upgradeStrategy/kind'],
      ['POST', '/v1/tier-groups', { name: 'X', downgradeStrategy: { kind: 'fixed_date', month: 2 } }, 422, '/downgradeStrategy/day'],
      ['POST', '/v1/tier-groups', { name: 'X', downgradeStrategy: { kind: 'fixed_date', month: 2, day: 30 } }, 422, '/downgradeStrategy/day'],
      ['POST', '/v1/tier-groups', { name: 'X', upgradeStrategy: { kind: 'realtime', day: 3 } }, 422, '/upgradeStrategy/day'],
      ['POST', '/v1/tier-groups', { name: 'X', downgradeResets: [{ balanceDefinitionId: '01900000-0000-7000-8000-000000000000', mode: 'deductAll' }] },
        422, '/downgradeResets/0/balanceDefinitionId'],
      ['POST', '/v1/tier-groups', { name: 'X', anniversaryReminderDaysBefore: 400 }, 422, '/anniversaryReminderDaysBefore'],
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Bronze', order: 0, isDefault: false }, 422, '/isDefault'],
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Bronze', order: 0, conditions: availableAtLeast(p, 10) }, 422, '/conditions'],
      ['PATCH', `/v1/tier-groups/01900000-0000-7000-8000-000000000000`, { name: 'Y' }, 404, ''],
    ];
    for (const [method, url, body, status, field] of cases) {
      const response = await p.call(method, url, body);
      expect(response.statusCode, `${url} ${JSON.stringify(body)}: ${response.body}`).toBe(status);
      if (field) expect(response.json().errors.map((e: any) => e.field), response.body).toContain(field);
    }
    expect({ tiers: await tierRows(), groups: await groupRows() }).toEqual(before);

    // With a default in place: order rules and conditions on unknown definitions.
    const bronze = await p.ok('POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Bronze', order: 10 }, 201);
    expect(bronze.isDefault).toBe(true);
    const after = await tierRows();
    const more: Array<[string, string, unknown, number, string]> = [
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Gold', order: 50, rewardsOnEntry: ['01900000-0000-7000-8000-000000000000'] }, 404, '/rewardsOnEntry/0'],
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Gold', order: 50, conditions: [{ kind: 'totalSpend', minimum: 0 }] }, 422, '/conditions/0/minimum'],
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Tin', order: 10, conditions: availableAtLeast(p, 1) }, 409, '/order'],
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Tin', order: 5, conditions: availableAtLeast(p, 1) }, 422, '/order'],
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Zinc', order: 2, isDefault: true }, 201, ''],
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Gold', order: 30,
        conditions: [{ kind: 'availableUnits', balanceDefinitionId: '01900000-0000-7000-8000-000000000000', minimum: 1 }] }, 422, '/conditions/0/balanceDefinitionId'],
      ['POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Gold', order: 30, conditions: [{ kind: 'monthsSinceJoining', minimum: 3, since: null }] },
        422, '/conditions/0/since'],
    ];
    for (const [method, url, body, status, field] of more) {
      const response = await p.call(method, url, body);
      expect(response.statusCode, `${url} ${JSON.stringify(body)}: ${response.body}`).toBe(status);
      if (field) expect(response.json().errors.map((e: any) => e.field), response.body).toContain(field);
    }
    // Zinc took over as the default, below Bronze; nothing else changed.
    const tiers = (await p.ok('GET', `/v1/tier-groups/${group.id}`)).tiers;
    expect(tiers.map((t: any) => [t.name, t.order, t.isDefault])).toEqual([['Zinc', 2, true], ['Bronze', 10, false]]);
    expect((await tierRows()).length).toBe(after.length + 1);
    const undefault = await p.call('PATCH', `/v1/tier-groups/${group.id}/tiers/${tiers[0].id}`, { isDefault: false });
    expect(undefault.statusCode).toBe(422);
    expect(undefault.json().errors[0].field).toBe('/isDefault');
  });
});

describe('real-time tiers', () => {
  it('move up and down with the balance, and a downgrade deducts the configured balance through the ledger', async () => {
    const p = await tierProgram(h);
    const bonus = await p.ok('POST', '/v1/balance-definitions', { name: 'Bonus', unit: 'points' }, 201);
    const medal = await p.group({ name: 'Medal', downgradeStrategy: { kind: 'realtime' },
      downgradeResets: [{ balanceDefinitionId: bonus.id, mode: 'deductAll' }] }, [
      ['Bronze', []], ['Silver', availableAtLeast(p, 100)], ['Gold', availableAtLeast(p, 500)],
    ]);
    const member = await p.member();
    await p.ok('POST', '/v1/ledger/transactions', { memberId: member.id, kind: 'credit', amount: 30, balanceDefinitionId: bonus.id, autoComplete: true }, 201);
    await p.events();

    await p.move(member.id, 'credit', 200);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Silver', from: 'Bronze', direction: 'up', manual: false }]);
    // Silver to Gold straight past nothing in between; then a spend takes the member down to Bronze at once.
    await p.move(member.id, 'credit', 400);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Gold', from: 'Silver', direction: 'up', manual: false }]);
    const spend = await p.move(member.id, 'debit', 550);
    const down = await p.events();
    expect(down.map(nameOf)).toEqual([
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'CustomerLevelChanged', 'tier_association_updated',
      // The reset: the Bonus balance deducted, with the ledger's own events, caused by the spend.
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
    ]);
    expect(levelChanges(down)).toEqual([{ to: 'Bronze', from: 'Gold', direction: 'down', manual: false }]);
    expect(down[4]).toMatchObject({ upgraded: false, source_event_id: spend.id, to_tier: { id: medal.tiers[0].id } });
    const reset = down.filter((e) => nameOf(e) === 'balance_value_updated')[1];
    expect(reset).toMatchObject({ balance_definition: { id: bonus.id }, transaction: { type: 'debit', value: 30 }, source_event_id: spend.id });
    const balances = (await p.ok('GET', `/v1/members/${member.id}/balances`)).data;
    expect(balances.find((b: any) => b.balanceDefinitionId === bonus.id)).toMatchObject({ available: 0 });
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Bronze', manual: false, nextRecalculationAt: null }]);

    await h.db.transaction(async (tx) => {
      expect(await currentTiers(tx, p.id, member.id)).toEqual([{ groupId: medal.id, groupName: 'Medal', tierId: medal.tiers[0].id, tierName: 'Bronze' }]);
    });
  });

  it('also follow blocks and releases, reversals, lots expired and pending units activated', async () => {
    const p = await tierProgram(h);
    await p.group({ name: 'Medal', downgradeStrategy: { kind: 'realtime' } }, [['Bronze', []], ['Silver', availableAtLeast(p, 100)]]);
    const member = await p.member();
    const tierUpdates = async () => (await p.events()).filter((e) => nameOf(e) === 'tier_association_updated')
      .map((e) => ({ to: e.to_tier.name, source: e.source_event_id }));
    expect(await tierUpdates()).toMatchObject([{ to: 'Bronze' }]); // the entry tier
    const credit = await p.move(member.id, 'credit', 150);
    expect(await tierUpdates()).toEqual([{ to: 'Silver', source: credit.id }]);

    const block = await p.ok('POST', '/v1/ledger/blocks', { memberId: member.id, amount: 100 }, 201);
    expect(await tierUpdates()).toEqual([{ to: 'Bronze', source: block.id }]);
    const release = await p.ok('POST', `/v1/ledger/blocks/${block.id}/release`, {}, 201);
    expect(await tierUpdates()).toEqual([{ to: 'Silver', source: release.id }]);
    const reversal = await p.ok('POST', `/v1/ledger/transactions/${credit.id}/reverse`, {}, 201);
    expect(await tierUpdates()).toEqual([{ to: 'Bronze', source: reversal.id }]);

    const again = await p.move(member.id, 'credit', 120);
    expect(await tierUpdates()).toEqual([{ to: 'Silver', source: again.id }]);
    const [lot] = (await p.ok('GET', `/v1/balances/${again.balanceId}/lots?status=active`)).data;
    await p.ok('POST', `/v1/ledger/lots/${lot.id}/expire`, {}, 200);
    expect(await tierUpdates()).toEqual([{ to: 'Bronze', source: null }]);

    // A scheduled credit: pending until its time, then the activation sweep moves the member.
    await p.ok('POST', '/v1/ledger/transactions', { memberId: member.id, kind: 'credit', amount: 100, autoComplete: true,
      availableAt: '2026-03-10T09:00:00.000Z' }, 201);
    expect(await tierUpdates()).toEqual([]);
    await p.advance({ to: '2026-03-10T09:00:00.000Z' });
    expect(await tierUpdates()).toEqual([{ to: 'Silver', source: null }]);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Silver' }]);
  });

  it('do nothing on balance changes in a program whose groups are not real time, and wait for the fixed date', async () => {
    const p = await tierProgram(h);
    await p.group({ name: 'Yearly', upgradeStrategy: { kind: 'fixed_date', month: 1, day: 1 }, downgradeStrategy: { kind: 'none' } }, [
      ['Bronze', []], ['Gold', [{ kind: 'earnedUnits', balanceDefinitionId: p.points, minimum: 500, since: null }]],
    ]);
    const member = await p.member();
    await p.events();
    await p.move(member.id, 'credit', 600);
    await p.move(member.id, 'debit', 600);
    expect((await p.events()).map(nameOf)).toEqual([
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
    ]);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Bronze', nextRecalculationAt: '2026-12-31T23:00:00.000Z' }]);
    // New Year in Paris: earned (600 in total) earns Gold; nothing says the level will expire (downgrades are off).
    await p.advance({ to: '2027-01-01T00:00:00.000Z' });
    const events = (await p.events()).filter((e) => !nameOf(e).includes('month_anniversary'));
    expect(events.map((e) => `${nameOf(e)}@${e.event_date ?? e.timestamp}`)).toEqual([
      'CustomerLevelChanged@2026-12-31T23:00:00.000Z', 'tier_association_updated@2026-12-31T23:00:00.000Z',
    ]);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Gold', nextRecalculationAt: '2027-12-31T23:00:00.000Z' }]);
  });
});

describe('a downgrade that resets units', () => {
  /** Perks follows the Bonus balance in real time; Status resets Bonus when it goes down. */
  async function twoGroups(p: TierProgram, statusDowngrade: Record<string, unknown>) {
    const bonus = await p.ok('POST', '/v1/balance-definitions', { name: 'Bonus', unit: 'points' }, 201);
    const perks = await p.group({ name: 'Perks', downgradeStrategy: { kind: 'realtime' } }, [
      ['None', []], ['Club', [{ kind: 'availableUnits', balanceDefinitionId: bonus.id, minimum: 100 }]],
    ]);
    // A group made later has a greater id: a balance change recalculates Perks first, before Status resets Bonus.
    await p.advance({ by: 'PT1S' });
    const status = await p.group({ name: 'Status', downgradeStrategy: statusDowngrade, downgradeResets: [{ balanceDefinitionId: bonus.id, mode: 'deductAll' }] }, [
      ['Basic', []], ['Gold', availableAtLeast(p, 500)],
    ]);
    expect(perks.id < status.id).toBe(true);
    const member = await p.member();
    await p.ok('POST', '/v1/ledger/transactions', { memberId: member.id, kind: 'credit', amount: 200, balanceDefinitionId: bonus.id, autoComplete: true }, 201);
    await p.move(member.id, 'credit', 600);
    expect(levelChanges(await p.events())).toEqual([
      { to: 'None', from: null, direction: 'up', manual: false }, { to: 'Basic', from: null, direction: 'up', manual: false },
      { to: 'Club', from: 'None', direction: 'up', manual: false }, { to: 'Gold', from: 'Basic', direction: 'up', manual: false },
    ]);
    return member;
  }
  const changesByGroup = (events: any[]) => events.filter((e) => nameOf(e) === 'tier_association_updated')
    .map((e) => `${e.tier_group.name}: ${e.from_tier.name} > ${e.to_tier.name} (${e.source_event_id})`);

  it('in real time: the other real-time groups are recalculated on the balance it reset', async () => {
    const p = await tierProgram(h);
    const member = await twoGroups(p, { kind: 'realtime' });
    const spend = await p.move(member.id, 'debit', 200);
    expect(changesByGroup(await p.events())).toEqual([`Status: Gold > Basic (${spend.id})`, `Perks: Club > None (${spend.id})`]);
    expect((await p.tiers(member.id)).map((t) => t.tierName).sort()).toEqual(['Basic', 'None']);
  });

  it('at a scheduled moment: the real-time groups follow the reset too', async () => {
    const p = await tierProgram(h);
    const member = await twoGroups(p, { kind: 'tier_anniversary' });
    await p.move(member.id, 'debit', 200);
    await p.events();
    await p.advance({ to: '2027-03-02T00:00:00.000Z' });
    expect(changesByGroup(await p.events())).toEqual(['Status: Gold > Basic (null)', 'Perks: Club > None (null)']);
    expect((await p.tiers(member.id)).map((t) => t.tierName).sort()).toEqual(['Basic', 'None']);
  });
});

describe('tiers wired to purchases and rewards', () => {
  it('a totalSpend condition moves the member as soon as a purchase reaches it, caused by its assignment', async () => {
    const p = await tierProgram(h);
    await p.group({ name: 'Spend' }, [['Regular', []], ['VIP', [{ kind: 'totalSpend', minimum: 10_000 }]]]);
    const member = await p.member();
    const sell = (n: number, grossTotal: number) => p.ok('POST', '/v1/purchases', { documentNumber: `S-${n}`, purchasedAt: '2026-03-01T08:00:00Z',
      currency: 'EUR', grossTotal, customer: { memberId: member.id } }, 201);
    await sell(1, 6_000);
    await p.events();
    await p.ok('POST', '/v1/purchases', { documentNumber: 'R-1', documentType: 'return', returnedDocumentNumber: 'S-1', purchasedAt: '2026-03-01T08:30:00Z',
      currency: 'EUR', grossTotal: 1_000 }, 201);
    await sell(2, 4_500); // 6,000 - 1,000 + 4,500: still short
    expect(levelChanges(await p.events())).toEqual([]);
    await sell(3, 500);
    const events = await p.events();
    expect(events.map(nameOf)).toEqual(['TransactionRegistered', 'TransactionAssignedToCustomer', 'CustomerLevelChanged', 'tier_association_updated']);
    expect(levelChanges(events)).toEqual([{ to: 'VIP', from: 'Regular', direction: 'up', manual: false }]);
    expect(events[3]).toMatchObject({ upgraded: true, source_event_id: events[1].data.eventId });
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'VIP' }]);
  });

  it('entering a tier upwards issues its rewardsOnEntry as free vouchers; a reward that cannot be issued leaves the change standing', async () => {
    const p = await tierProgram(h);
    const reward = async (body: Record<string, unknown>) => p.ok('POST', '/v1/rewards', { type: 'material', ...body }, 201);
    const welcome = await reward({ name: 'Welcome pin' });
    const lounge = await reward({ name: 'Lounge pass', cost: 1_000, balanceDefinitionId: p.points });
    const gone = await reward({ name: 'Sold out', limits: { total: 1 } });
    await p.ok('POST', `/v1/rewards/${gone.id}/assign`, { memberId: (await p.member()).id }, 201);
    const medal = await p.group({ name: 'Medal', downgradeStrategy: { kind: 'realtime' } }, [['Bronze', []]]);
    await p.ok('PATCH', `/v1/tier-groups/${medal.id}/tiers/${medal.tiers[0].id}`, { rewardsOnEntry: [welcome.id] });
    await p.ok('POST', `/v1/tier-groups/${medal.id}/tiers`, { name: 'Gold', order: 10, conditions: availableAtLeast(p, 100), rewardsOnEntry: [lounge.id, gone.id] }, 201);
    await p.events();

    // The entry tier's reward at enrolment.
    const member = await p.member();
    const joined = await p.events();
    expect(joined.map(nameOf)).toEqual(['CustomerRegistered', 'subscription_created', 'CustomerLevelChanged', 'tier_association_updated',
      'CustomerBoughtReward', 'voucher_created']);
    expect(joined[4].data).toMatchObject({ rewardId: welcome.id, acquisition: 'campaign', costInUnits: 0, walletType: null });

    const credit = await p.move(member.id, 'credit', 150);
    const up = await p.events();
    expect(up.map(nameOf)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'CustomerLevelChanged', 'tier_association_updated', 'CustomerBoughtReward', 'voucher_created', 'voucher_attribution_failed']);
    expect(up[4]).toMatchObject({ source_event_id: credit.id, to_tier: { name: 'Gold' } });
    expect(up[5].data).toMatchObject({ rewardId: lounge.id, acquisition: 'campaign' });
    expect(up[6]).toMatchObject({ source_event_id: up[3].data.eventId });
    expect(up[7]).toMatchObject({ voucher_offer_id: gone.id, rejection_error: 'Reward limit reached' });
    const vouchers = (await p.ok('GET', `/v1/members/${member.id}/vouchers`)).data;
    expect(vouchers.map((v: any) => [v.rewardId, v.source, v.cost]).sort()).toEqual([[lounge.id, 'tier', 0], [welcome.id, 'tier', 0]].sort());
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Gold' }]);
    expect((await p.ok('GET', `/v1/members/${member.id}/balances`)).data[0]).toMatchObject({ available: 150 });

    // A downgrade grants nothing; entering Gold again does.
    await p.move(member.id, 'debit', 100);
    expect((await p.events()).map(nameOf)).not.toContain('CustomerBoughtReward');
    await p.move(member.id, 'credit', 100);
    expect((await p.events()).filter((e) => nameOf(e) === 'CustomerBoughtReward').map((e) => e.data.rewardId)).toEqual([lounge.id]);
  });
});

describe('months since joining and spend since a date', () => {
  it('are measured from the enrolment and the purchase dates; a tier shows its metadata', async () => {
    const p = await tierProgram(h);
    const loyalty = await p.group({ name: 'Loyalty' }, [['Newcomer', []]]);
    const regular = await p.ok('POST', `/v1/tier-groups/${loyalty.id}/tiers`, { name: 'Regular', order: 10,
      conditions: [{ kind: 'monthsSinceJoining', minimum: 2 }], metadata: { colour: 'green', lounge: false, rank: 2 } }, 201);
    expect(regular.metadata).toEqual({ colour: 'green', lounge: false, rank: 2 });
    expect((await p.ok('GET', `/v1/tier-groups/${loyalty.id}`)).tiers[1].metadata).toEqual({ colour: 'green', lounge: false, rank: 2 });
    await p.group({ name: 'Shopper' }, [['Browser', []], ['Recent buyer', [{ kind: 'totalSpend', minimum: 5_000, since: '2026-03-01T00:00:00Z' }]]]);
    const member = await p.member();
    const sell = (n: number, purchasedAt: string, grossTotal: number) => p.ok('POST', '/v1/purchases', { documentNumber: `M-${n}`, purchasedAt,
      currency: 'EUR', grossTotal, customer: { memberId: member.id } }, 201);
    await p.events();
    await sell(1, '2026-02-20T10:00:00Z', 9_000); // before the date: not counted
    await sell(2, '2026-03-01T08:00:00Z', 4_000);
    expect(levelChanges(await p.events())).toEqual([]);
    await sell(3, '2026-03-01T08:30:00Z', 1_000);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Recent buyer', from: 'Browser', direction: 'up', manual: false }]);
    // Two months less a day after joining, a balance change still finds one month; two months on, Regular.
    await p.advance({ to: '2026-04-30T09:00:00.000Z' });
    await p.move(member.id, 'credit', 1);
    expect(levelChanges(await p.events())).toEqual([]);
    await p.advance({ to: '2026-05-01T09:00:00.000Z' });
    await p.move(member.id, 'credit', 1);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Regular', from: 'Newcomer', direction: 'up', manual: false }]);
  });
});

describe('earned units since a date', () => {
  it('count only the credits completed since then', async () => {
    const p = await tierProgram(h);
    const since = '2026-03-10T00:00:00.000Z';
    await p.group({ name: 'Season', downgradeStrategy: { kind: 'realtime' } }, [
      ['Member', []], ['Star', [{ kind: 'earnedUnits', balanceDefinitionId: p.points, minimum: 500, since }]],
    ]);
    const member = await p.member();
    expect(levelChanges(await p.events())).toEqual([{ to: 'Member', from: null, direction: 'up', manual: false }]);
    await p.move(member.id, 'credit', 400);
    await p.advance({ to: since });
    await p.move(member.id, 'credit', 300);
    // 700 earned in all, 300 since the date; spending does not take earned units back.
    await p.move(member.id, 'debit', 650);
    expect(levelChanges(await p.events())).toEqual([]);
    await p.move(member.id, 'credit', 200);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Star', from: 'Member', direction: 'up', manual: false }]);
  });
  it('leave out a reversed credit and a reversed spend, as the total does, and equal the total from a date before everything', async () => {
    const p = await tierProgram(h);
    const since = '2026-03-01T00:00:00.000Z'; // before the member enrols
    const sinceDate = { kind: 'earnedUnits' as const, balanceDefinitionId: p.points, minimum: 500, since };
    await p.group({ name: 'Season', downgradeStrategy: { kind: 'realtime' } }, [['Member', []], ['Star', [sinceDate]]]);
    const member = await p.member();
    await p.events();
    const credit = await p.move(member.id, 'credit', 500);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Star', from: 'Member', direction: 'up', manual: false }]);
    // The credit taken back: nothing earned since the date any more, and the member goes down.
    await p.ok('POST', `/v1/ledger/transactions/${credit.id}/reverse`, {}, 201);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Member', from: 'Star', direction: 'down', manual: false }]);
    // A spend refunded (a credit with reason cancel) gives units back but earns nothing: 300 earned, not 500.
    await p.move(member.id, 'credit', 300);
    const spend = await p.move(member.id, 'debit', 200);
    await p.ok('POST', `/v1/ledger/transactions/${spend.id}/reverse`, {}, 201);
    expect(levelChanges(await p.events())).toEqual([]);
    const [balance] = (await p.ok('GET', `/v1/members/${member.id}/balances`)).data;
    expect(balance).toMatchObject({ available: 300, earned: 300 });
    const standing = await h.db.transaction(async (tx) => {
      const subscription = (await findMemberSubscription(tx, p.id, member.id))!;
      return gatherStanding(tx, subscription, [sinceDate, { ...sinceDate, since: null }], subscription.createdAt, 'Europe/Paris');
    });
    expect([...standing.values()]).toEqual([300, 300]);
    await p.move(member.id, 'credit', 200);
    expect(levelChanges(await p.events())).toEqual([{ to: 'Star', from: 'Member', direction: 'up', manual: false }]);
  });
});

describe('the API reference', () => {
  it('documents every tier route with a summary and its schemas', async () => {
    const spec = (await h.call('GET', '/openapi.json', { key: '' })).json();
    const routes: Record<string, string[]> = {
      '/v1/tier-groups': ['get', 'post'],
      '/v1/tier-groups/{groupId}': ['get', 'patch'],
      '/v1/tier-groups/{groupId}/tiers': ['post'],
      '/v1/tier-groups/{groupId}/tiers/{tierId}': ['patch'],
      '/v1/members/{memberId}/tiers': ['get'],
      '/v1/members/{memberId}/tiers/{groupId}': ['put'],
      '/v1/members/{memberId}/tiers/{groupId}/manual': ['delete'],
      '/v1/tier-recalculations': ['post'],
      '/v1/tier-recalculations/{recalculationId}': ['get'],
    };
    for (const [path, methods] of Object.entries(routes)) {
      expect(Object.keys(spec.paths[path] ?? {}).sort(), path).toEqual(methods);
      for (const method of methods) {
        expect(spec.paths[path][method].summary, `${method} ${path}`).toBeTruthy();
        expect(spec.paths[path][method].tags).toEqual(['tiers']);
      }
    }
    const tier = spec.paths['/v1/tier-groups/{groupId}/tiers'].post.requestBody.content['application/json'].schema;
    expect(tier.required.sort()).toEqual(['name', 'order']);
    expect(tier.properties.conditions.items.properties.kind.enum).toEqual(['availableUnits', 'earnedUnits', 'totalSpend', 'monthsSinceJoining']);
    const group = spec.paths['/v1/tier-groups'].post.requestBody.content['application/json'].schema;
    expect(group.properties.downgradeStrategy.properties.kind.enum).toContain('tier_anniversary');
  });
});
