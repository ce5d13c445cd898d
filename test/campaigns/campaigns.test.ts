import { describe, expect, it } from 'vitest';
import { ledgerSnapshot, names, ofType, useLedgerHarness } from '../ledger/support.ts';
import { purchaseProgram } from '../purchases/support.ts';
import type { Harness } from '../support/harness.ts';

/** Campaigns: saving and checking them, each trigger and effect, limits, order, simulation, and a full story. */

let h: Harness;
useLedgerHarness({ start: '2026-04-01T10:00:00.000Z', sandbox: true }, (made) => {
  h = made;
});

const perEuro = (units: number, extra: Record<string, unknown> = {}) => ({ type: 'award_units', units, perSpent: 100, ...extra });

describe('saving campaigns', () => {
  it('refuses malformed conditions with the position, and unknown tiers, rewards and definitions', async () => {
    const p = await purchaseProgram(h);
    const save = (body: Record<string, unknown>) => p.call('POST', '/v1/campaigns', { name: 'c', trigger: { kind: 'purchase' }, effects: [perEuro(1)], ...body });
    const bad = await save({ condition: 'transaction.grossValue >= 10 and' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ type: '/problems/invalid-condition', errors: [{ field: '/condition', message: 'at position 32: unexpected end of expression' }] });
    expect((await save({ condition: 'system.exit(1)' })).json().errors[0].message).toBe('at position 0: unknown name "system" (known: transaction, member, event, tierChange, item)');
    expect((await save({ condition: 'any(transaction.items, any(transaction.items, any(transaction.items, false)))' })).json())
      .toMatchObject({ status: 422, errors: [{ field: '/condition', message: 'at position 46: list functions (any, all, count, sum) nest at most 2 deep' }] });

    const tier = await save({ target: { kind: 'tier', tierIds: ['01900000-0000-7000-8000-000000000000'] } });
    expect(tier.statusCode).toBe(404);
    expect(tier.json()).toMatchObject({ errors: [{ field: '/target/tierIds/0', message: 'is not a tier of this program' }] });
    const reward = await save({ effects: [{ type: 'grant_reward', rewardId: '01900000-0000-7000-8000-000000000000' }] });
    expect(reward.statusCode).toBe(404);
    expect(reward.json()).toMatchObject({ errors: [{ field: '/effects/0/rewardId' }] });

    const unknownDefinition = await save({ effects: [perEuro(1, { balanceDefinitionId: '01900000-0000-7000-8000-000000000000' })] });
    expect(unknownDefinition.statusCode).toBe(404);
    expect(unknownDefinition.json().errors[0].field).toBe('/effects/0/balanceDefinitionId');
    expect((await save({ trigger: { kind: 'registration' } })).json().errors[0].field).toBe('/effects/0/perSpent');
    expect((await save({ effects: [perEuro(1, { multipliers: [{ factor: 2 }] })] })).json().errors[0].field).toBe('/effects/0/multipliers/0');
    expect((await save({ startsAt: '2026-05-01T00:00:00Z', endsAt: '2026-04-01T00:00:00Z' })).json().errors[0].field).toBe('/endsAt');
    expect((await save({ effects: [{ type: 'set_custom_attribute', name: 'EMAIL', value: 'x' }] })).json().errors[0].field).toBe('/effects/0/name');
    expect((await save({ effects: [{ type: 'award_units', units: 0 }] })).statusCode).toBe(400);
    expect((await save({ trigger: { kind: 'sometimes' } })).statusCode).toBe(400);
    expect(await p.all('/v1/campaigns')).toEqual([]);

    const created = await save({ name: 'Spring', condition: 'transaction.grossValue >= 1000', limits: { perMember: { count: 1, period: 'day' } } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name: 'Spring', active: true, target: { kind: 'all' }, stopFurther: false, position: 0 });
    const replaced = await p.call('PUT', `/v1/campaigns/${created.json().id}`, { name: 'Spring 2', trigger: { kind: 'purchase' }, effects: [perEuro(2)], active: false });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect((await p.call('GET', `/v1/campaigns/${created.json().id}`)).json()).toMatchObject({ name: 'Spring 2', active: false, condition: null, limits: {} });
    expect((await p.call('PUT', `/v1/campaigns/${created.json().id}`, { name: 'x', trigger: { kind: 'purchase' }, effects: [perEuro(1)], condition: '1 +' })).statusCode).toBe(422);
  });
});

describe('effects', () => {
  it("award into a chosen definition with its pending and expiry rules; deduct; set a custom attribute", async () => {
    const p = await purchaseProgram(h);
    const cashback = await p.define({ name: 'Cashback', unit: 'EUR', decimals: 2, pendingDays: 14, expiry: { kind: 'duration', amount: 1, unit: 'year', alignment: 'none' } });
    const ada = await p.register({ email: 'ada@example.com' });
    await p.campaign({ name: '2% cashback', position: 1, effects: [{ type: 'award_units', balanceDefinitionId: cashback.id, units: 2, perSpent: 100 }] });
    await p.campaign({ name: 'Big basket', position: 2, condition: 'transaction.grossValue >= 5000',
      effects: [{ type: 'set_custom_attribute', name: 'bigSpender', value: true }, { type: 'deduct_units', units: 10 }] });
    await p.credit(ada.id, 15);
    await p.events();

    const sale = await p.sell(6000, { email: 'ada@example.com' });
    expect(sale.statusCode, sale.body).toBe(201);
    expect(sale.json().campaigns.map((c: any) => [c.campaignName, c.effects.map((e: any) => [e.type, e.status, e.amount])])).toEqual([
      ['2% cashback', [['award_units', 'applied', 120]]],
      ['Big basket', [['set_custom_attribute', 'applied', null], ['deduct_units', 'applied', 10]]],
    ]);
    const events = await p.events();
    expect(names(events)).toEqual([
      'TransactionRegistered', 'TransactionAssignedToCustomer',
      'WalletBalanceUpdated', 'CampaignEffectWasApplied', // cashback pending: no available change yet
      'CustomerUpdated', 'CampaignEffectWasApplied',
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'CampaignEffectWasApplied',
    ]);
    const applied = ofType(events, 'CampaignEffectWasApplied').map((e) => e.data);
    expect(applied[0]).toMatchObject({ effectType: 'award_units', amount: 120, walletType: { id: cashback.id, unit: 'EUR' }, customAttribute: null,
      rewardId: null, issuedRewardId: null, transactionId: sale.json().id });
    expect(applied[1]).toMatchObject({ effectType: 'set_custom_attribute', amount: null, walletType: null, customAttribute: { key: 'bigSpender', value: true } });
    expect(applied[2]).toMatchObject({ effectType: 'deduct_units', amount: 10 });
    expect(events[4].data.changedFields).toEqual(['customAttributes.bigSpender']);
    expect(events[2].data).toMatchObject({ pendingUnits: 120, reason: 'campaign' });
    expect(events[6].data).toMatchObject({ amountChange: -10, reason: 'campaign' });
    expect((await p.call('GET', `/v1/members/${ada.id}`)).json().customAttributes).toEqual({ bigSpender: true });
    const lots = await p.all(`/v1/balances/${(await p.balanceOf(ada.id, cashback.id)).id}/lots`);
    expect(lots).toMatchObject([{ amount: 120, status: 'pending', availableFrom: '2026-04-15T10:00:00.000Z', expiresAt: '2027-04-15T10:00:00.000Z' }]);

    // Not enough units to deduct: refused by the ledger (its event), recorded as failed; the rest goes on.
    const second = await p.sell(5000, { email: 'ada@example.com' });
    expect(second.json().campaigns[1].effects).toMatchObject([
      { type: 'set_custom_attribute', status: 'applied' }, { type: 'deduct_units', status: 'failed', amount: 10 }]);
    const refused = await p.events();
    expect(names(refused)).toContain('balance_transaction_unauthorized');
    expect(names(refused)).not.toContain('CustomerUpdated'); // the attribute already had that value
    expect(ofType(refused, 'CampaignEffectWasApplied')).toHaveLength(2);
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
  });

  it('grants a reward: a free voucher (CustomerBoughtReward, voucher_created) then CampaignEffectWasApplied; when it cannot be issued, voucher_attribution_failed and a failed outcome', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada-reward@example.com' });
    const created = await p.call('POST', '/v1/rewards', { name: 'Welcome mug', type: 'material', cost: 50, balanceDefinitionId: p.definition.id, limits: { total: 1 } });
    expect(created.statusCode, created.body).toBe(201);
    const mug = created.json();
    await p.campaign({ name: 'Mug for a basket', condition: 'transaction.grossValue >= 3000', effects: [{ type: 'grant_reward', rewardId: mug.id }] });
    await p.events();

    const sale = await p.sell(3000, { email: 'ada-reward@example.com' });
    expect(sale.statusCode, sale.body).toBe(201);
    const [outcome] = sale.json().campaigns[0].effects;
    expect(outcome).toMatchObject({ type: 'grant_reward', status: 'applied', rewardId: mug.id, issuedRewardId: expect.any(String) });
    const events = await p.events();
    expect(names(events)).toEqual([
      'TransactionRegistered', 'TransactionAssignedToCustomer', 'CustomerBoughtReward', 'voucher_created', 'CampaignEffectWasApplied',
    ]);
    expect(ofType(events, 'CampaignEffectWasApplied')[0].data).toMatchObject({
      effectType: 'grant_reward', rewardId: mug.id, rewardName: 'Welcome mug', issuedRewardId: outcome.issuedRewardId, transactionId: sale.json().id });
    const voucher = (await p.call('GET', `/v1/vouchers/${outcome.issuedRewardId}`)).json();
    expect(voucher).toMatchObject({ memberId: ada.id, source: 'campaign', cost: 0, status: 'active' });
    expect(ofType(events, 'voucher_created')[0]).toMatchObject({ source_event_id: ofType(events, 'TransactionAssignedToCustomer')[0].data.eventId });

    // The reward's only unit is gone: the next grant fails with its reason; the sale stands.
    const again = await p.sell(3000, { email: 'ada-reward@example.com' });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().campaigns[0].effects[0]).toMatchObject({ type: 'grant_reward', status: 'failed', issuedRewardId: null, reason: expect.any(String) });
    const refused = await p.events();
    expect(names(refused)).toEqual(['TransactionRegistered', 'TransactionAssignedToCustomer', 'voucher_attribution_failed']);
    expect(ofType(refused, 'voucher_attribution_failed')[0]).toMatchObject({ voucher_offer_id: mug.id });
    expect(ofType(refused, 'voucher_attribution_failed')[0].rejection_error)
      .toBe(again.json().campaigns[0].effects[0].reason);
    expect((await p.call('GET', `/v1/members/${ada.id}/vouchers`)).json().data).toHaveLength(1);
  });

  it('an award too large for a balance is recorded as failed with its reason; the sale, the other effects and an import go on', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada-huge@example.com' });
    await p.campaign({ name: 'a million per cent', position: 1, effects: [{ type: 'award_units', units: 1_000_000, perSpent: 1 }, { type: 'award_units', units: 5 }] });
    await p.campaign({ name: 'flag', position: 2, effects: [{ type: 'set_custom_attribute', name: 'bought', value: true }] });
    await p.events();
    const reason = 'the award (10000000000000000000 units) exceeds the largest amount a balance can take (9007199254740991)';
    const body = { documentNumber: 'HUGE-1', purchasedAt: '2026-04-01T09:00:00Z', currency: 'EUR', grossTotal: 10_000_000_000_000, customer: { email: 'ada-huge@example.com' } };
    const simulated = await p.call('POST', '/v1/campaigns/simulate', body);
    expect(simulated.statusCode, simulated.body).toBe(200);
    expect(simulated.json().campaigns[0].effects).toMatchObject([{ amount: null, reason }, { amount: 5, reason: null }]);

    const sale = await p.call('POST', '/v1/purchases', body);
    expect(sale.statusCode, sale.body).toBe(201);
    expect(sale.json().campaigns.map((c: any) => c.effects.map((e: any) => [e.type, e.status, e.amount, e.reason]))).toEqual([
      [['award_units', 'failed', null, reason], ['award_units', 'applied', 5, null]],
      [['set_custom_attribute', 'applied', null, null]],
    ]);
    expect(await p.balance(ada.id)).toMatchObject({ available: 5 });
    expect(ofType(await p.events(), 'CampaignEffectWasApplied')).toHaveLength(2);

    // In an import the row stands like the API's document, and the rows after it are applied.
    const rows = [{ ...body, documentNumber: 'HUGE-2' }, { ...body, documentNumber: 'SMALL-3', grossTotal: 2 }].map((r) => JSON.stringify(r)).join('\n');
    const imported = await h.app.inject({ method: 'POST', url: '/v1/purchases/imports',
      headers: { authorization: `Bearer ${p.program.key}`, 'content-type': 'application/x-ndjson' }, payload: rows });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toMatchObject({ rows: 2, applied: 2, errors: [] });
    expect(await p.balance(ada.id)).toMatchObject({ available: 5 + 5 + 2_000_000 + 5 });
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
  });

  it('multiplies the value of items with a label, end to end through a purchase', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada-label@example.com' });
    await p.campaign({ name: 'promo x5', effects: [perEuro(1, { multipliers: [{ label: 'promo', factor: 5 }, { sku: 'JAM', factor: 2 }] })] });
    await p.events();
    // 30.00 EUR: 10.00 of promo tea counts 5 times, 5.00 of jam with the label too counts 5 (the highest factor),
    // 15.00 of bread once: 50 + 25 + 15 = 90 points.
    const sale = await p.sell(3000, { email: 'ada-label@example.com' }, { items: [
      { sku: 'TEA', grossValue: 1000, labels: ['organic', 'promo'] }, { sku: 'JAM', grossValue: 500, labels: ['promo'] }, { sku: 'BREAD', grossValue: 1500 }] });
    expect(sale.statusCode, sale.body).toBe(201);
    expect(sale.json().campaigns[0].effects[0]).toMatchObject({ type: 'award_units', status: 'applied', amount: 90 });
    expect(ofType(await p.events(), 'CampaignEffectWasApplied')[0].data).toMatchObject({ amount: 90, transactionId: sale.json().id });
    expect(await p.balance(ada.id)).toMatchObject({ available: 90 });
  });

  it('targets members by custom attribute, runs in position order, and stops further campaigns', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com', customAttributes: { club: 'gold' } });
    await p.register({ email: 'bob@example.com', customAttributes: { club: 'silver' } });
    await p.campaign({ name: 'third', position: 3, effects: [{ type: 'award_units', units: 1 }] });
    await p.campaign({ name: 'gold only, stops', position: 2, stopFurther: true, target: { kind: 'custom_attribute', name: 'club', value: 'gold' },
      effects: [{ type: 'award_units', units: 100 }] });
    await p.campaign({ name: 'first', position: 1, condition: "any(transaction.items, item.category == 'tea')", effects: [{ type: 'award_units', units: 10 }] });
    const tea = [{ sku: 'T1', grossValue: 500, category: 'tea' }];
    expect((await p.sell(500, { email: 'ada@example.com' }, { items: tea })).json().campaigns.map((c: any) => c.campaignName)).toEqual(['first', 'gold only, stops']);
    expect((await p.sell(500, { email: 'bob@example.com' }, { items: tea })).json().campaigns.map((c: any) => c.campaignName)).toEqual(['first', 'third']);
    expect((await p.sell(500, { email: 'bob@example.com' })).json().campaigns.map((c: any) => c.campaignName)).toEqual(['third']);
    expect(await p.balance(ada.id)).toMatchObject({ available: 110 });
  });

  it('the campaigns of one trigger see the member as before it: an attribute an earlier one sets counts from the next trigger', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada-before@example.com' });
    await p.campaign({ name: 'make vip', position: 1, effects: [{ type: 'set_custom_attribute', name: 'vip', value: true }] });
    await p.campaign({ name: 'vip target', position: 2, target: { kind: 'custom_attribute', name: 'vip', value: true }, effects: [{ type: 'award_units', units: 1 }] });
    await p.campaign({ name: 'vip condition', position: 3, condition: 'member.customAttributes.vip == true', effects: [{ type: 'award_units', units: 10 }] });
    const first = await p.sell(100, { email: 'ada-before@example.com' });
    expect(first.json().campaigns.map((c: any) => c.campaignName)).toEqual(['make vip']);
    const second = await p.sell(100, { email: 'ada-before@example.com' });
    expect(second.json().campaigns.map((c: any) => c.campaignName)).toEqual(['make vip', 'vip target', 'vip condition']);
    expect(await p.balance(ada.id)).toMatchObject({ available: 11 });
  });

  it('custom events run the campaigns of their type, with the body in conditions', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com' });
    await p.campaign({ name: 'review', trigger: { kind: 'custom_event', eventType: 'review_posted' }, condition: 'event.body.stars >= 4',
      effects: [{ type: 'award_units', units: 50 }] });
    await p.events();
    const low = await p.call('POST', `/v1/members/${ada.id}/custom-events`, { type: 'review_posted', body: { stars: 2 } });
    expect(low.statusCode, low.body).toBe(200);
    expect(low.json().campaigns).toEqual([]);
    const other = await p.call('POST', `/v1/members/${ada.id}/custom-events`, { type: 'newsletter', body: { stars: 5 } });
    expect(other.json().campaigns).toEqual([]);
    const high = await p.call('POST', `/v1/members/${ada.id}/custom-events`, { type: 'review_posted', body: { stars: 5 } });
    expect(high.json().campaigns[0].effects[0]).toMatchObject({ status: 'applied', amount: 50 });
    const events = await p.events();
    expect(ofType(events, 'CampaignEffectWasApplied')[0].data).toMatchObject({ transactionId: null, amount: 50 });
    expect(ofType(events, 'balance_value_updated')[0].source_event_id).toBeNull();
    expect((await p.call('POST', '/v1/members/01900000-0000-7000-8000-000000000000/custom-events', { type: 'x' })).statusCode).toBe(404);
  });

  it('refuses a custom event body nested deeper than 32 levels (422 naming the field; past 64, 400 as on every route), before anything is written', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada-deep@example.com' });
    // No campaign listens: the body is refused all the same, whatever a campaign would read.
    const send = (body: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'POST', url: `/v1/members/${ada.id}/custom-events`,
      headers: { authorization: `Bearer ${p.program.key}`, 'content-type': 'application/json', ...headers }, payload: `{"type":"deep","body":${body}}` });
    const nested = (levels: number) => '{"a":'.repeat(levels - 1) + '[1]' + '}'.repeat(levels - 1);
    await p.events();
    const before = await ledgerSnapshot(h.db);
    // Past every route's limit (64 levels from the request's root), the request is refused before any hook walks it.
    const deep = await send(nested(5000));
    expect(deep.statusCode, deep.body).toBe(400);
    expect(deep.json().errors).toEqual([{ field: `/body${'/a'.repeat(63)}`, message: 'nests objects and lists deeper than 64 levels' }]);
    const keyed = await send(nested(5000), { 'idempotency-key': 'deep-1' });
    expect(keyed.statusCode, keyed.body).toBe(400);
    const overEvents = await send(nested(40), { 'idempotency-key': 'deep-2' });
    expect(overEvents.statusCode, overEvents.body).toBe(422);
    expect(overEvents.json().errors).toEqual([{ field: `/body${'/a'.repeat(32)}`, message: 'nests deeper than 32 levels (objects and lists)' }]);
    const justOver = await send(nested(33));
    expect(justOver.statusCode).toBe(422);
    expect(justOver.json().errors[0].field).toBe(`/body${'/a'.repeat(32)}`);
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await p.events()).toEqual([]);

    await p.campaign({ name: 'deep', trigger: { kind: 'custom_event', eventType: 'deep' }, condition: `event.body${'.a'.repeat(31)}[0] == 1`,
      effects: [{ type: 'award_units', units: 3 }] });
    const atLimit = await send(nested(32));
    expect(atLimit.statusCode, atLimit.body).toBe(200);
    expect(atLimit.json().campaigns[0].effects[0]).toMatchObject({ status: 'applied', amount: 3 });
  });
});

describe('registration trigger', () => {
  it('runs when a member registered with a code activates, not at their registration', async () => {
    const p = await purchaseProgram(h);
    await p.campaign({ name: 'Welcome', trigger: { kind: 'registration' }, effects: [{ type: 'award_units', units: 25 }] });
    const ada = await p.register({ email: 'ada-code@example.com', activation: 'code' });
    const registered = await p.events();
    expect(names(registered)).not.toContain('CampaignEffectWasApplied');
    const code = ofType(registered, 'CustomerWasRegisteredWithoutActivation')[0].data.activationCode;
    const activated = await p.call('POST', `/v1/members/${ada.id}/activate`, { code });
    expect(activated.statusCode, activated.body).toBe(200);
    const events = await p.events();
    expect(ofType(events, 'CampaignEffectWasApplied').map((e) => e.data)).toMatchObject([{ campaignName: 'Welcome', amount: 25, transactionId: null }]);
    expect(await p.balance(ada.id)).toMatchObject({ available: 25 });
    // The campaign's units are caused by the subscription the activation created.
    const [created] = await h.db.query<{ id: string }>(
      `SELECT id FROM events WHERE program_id = $1 AND type = 'subscription_created' ORDER BY sequence DESC LIMIT 1`, [p.program.id]);
    expect(ofType(events, 'balance_value_updated')[0].source_event_id).toBe(created.id);
  });
});

describe('campaigns and tiers', () => {
  it('registration sees the entry tier; a tier target and member.tier; a tier_change campaign awards units on an upgrade', async () => {
    const p = await purchaseProgram(h);
    const group = (await p.call('POST', '/v1/tier-groups', { name: 'Medal' })).json();
    const tier = async (name: string, order: number, conditions: unknown[] = []) =>
      (await p.call('POST', `/v1/tier-groups/${group.id}/tiers`, { name, order, conditions })).json();
    await tier('Bronze', 0);
    const gold = await tier('Gold', 10, [{ kind: 'availableUnits', balanceDefinitionId: p.definition.id, minimum: 100 }]);
    await p.campaign({ name: 'welcome bronze', trigger: { kind: 'registration' }, condition: 'member.tier == "Bronze"',
      effects: [{ type: 'award_units', units: 7 }] });
    await p.campaign({ name: 'gold target', position: 1, target: { kind: 'tier', tierIds: [gold.id] }, effects: [{ type: 'award_units', units: 3 }] });
    await p.campaign({ name: 'gold condition', position: 2, condition: 'member.tier == "Gold" and member.tierId == "' + gold.id + '"',
      effects: [{ type: 'set_custom_attribute', name: 'gold', value: true }] });
    await p.campaign({ name: 'upgrade bonus', trigger: { kind: 'tier_change' }, condition: `tierChange.toTierId == "${gold.id}"`,
      effects: [{ type: 'award_units', units: 50 }] });

    const ada = await p.register({ email: 'ada-tier@example.com' });
    expect(await p.balance(ada.id)).toMatchObject({ available: 7 });
    expect((await p.sell(100, { email: 'ada-tier@example.com' })).json().campaigns).toEqual([]);
    await p.events();

    // 7 + 93 = 100 reaches Gold: the level change, then the tier_change campaign's award, caused by CustomerLevelChanged.
    await p.credit(ada.id, 93);
    const upgrade = await p.events();
    expect(names(upgrade)).toEqual([
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'CustomerLevelChanged', 'tier_association_updated',
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'CampaignEffectWasApplied',
    ]);
    expect(upgrade[7]).toMatchObject({ transaction: { type: 'credit', value: 50 }, source_event_id: upgrade[3].data.eventId });
    expect(await p.balance(ada.id)).toMatchObject({ available: 150 });
    const runs = await h.db.query<{ trigger_kind: string; source_event_id: string }>(
      `SELECT trigger_kind, source_event_id FROM campaign_runs WHERE member_id = $1 ORDER BY applied_at, id`, [ada.id]);
    expect(runs.map((r) => [r.trigger_kind, r.source_event_id])).toEqual([
      ['registration', expect.any(String)], ['tier_change', upgrade[3].data.eventId]]);

    const sale = await p.sell(100, { email: 'ada-tier@example.com' });
    expect(sale.json().campaigns.map((c: any) => c.campaignName)).toEqual(['gold target', 'gold condition']);
    expect((await p.call('GET', `/v1/members/${ada.id}`)).json().customAttributes).toEqual({ gold: true });
    expect(await p.balance(ada.id)).toMatchObject({ available: 153 });
  });

  it('a tier_change campaign whose effect moves the member again does not run for that second change', async () => {
    const p = await purchaseProgram(h);
    const group = (await p.call('POST', '/v1/tier-groups', { name: 'Ladder', downgradeStrategy: { kind: 'realtime' } })).json();
    const tier = async (name: string, order: number, minimum?: number) => (await p.call('POST', `/v1/tier-groups/${group.id}/tiers`,
      { name, order, conditions: minimum ? [{ kind: 'availableUnits', balanceDefinitionId: p.definition.id, minimum }] : [] })).json();
    await tier('One', 0);
    await tier('Two', 10, 10);
    await tier('Three', 20, 20);
    // Every change but the entry gives 10 more units: enough for the next tier.
    await p.campaign({ name: 'up', trigger: { kind: 'tier_change' }, condition: 'tierChange.fromTierId != null', effects: [{ type: 'award_units', units: 10 }] });
    const ada = await p.register({ email: 'ada-ladder@example.com' });
    await p.events();
    await p.credit(ada.id, 10);
    const events = await p.events();
    // One → Two (campaign +10) → Three: the second change runs no campaign.
    expect(ofType(events, 'CustomerLevelChanged').map((e) => e.data.levelName)).toEqual(['Two', 'Three']);
    expect(ofType(events, 'CampaignEffectWasApplied')).toHaveLength(1);
    expect(await p.balance(ada.id)).toMatchObject({ available: 20 });
  });
});

describe('limits, windows and simulation', () => {
  it('per member and in total, per calendar period; outside the active window nothing applies', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com' });
    const bob = await p.register({ email: 'bob@example.com' });
    const cyd = await p.register({ email: 'cyd@example.com' });
    await p.campaign({ name: 'once a day, three ever', effects: [{ type: 'award_units', units: 5 }],
      limits: { perMember: { count: 1, period: 'day' }, total: { count: 3, period: 'ever' } } });
    await p.campaign({ name: 'not yet', startsAt: '2026-06-01T00:00:00Z', effects: [{ type: 'award_units', units: 1000 }] });
    await p.campaign({ name: 'over', endsAt: '2026-04-01T10:00:00Z', effects: [{ type: 'award_units', units: 1000 }] }); // exclusive
    await p.campaign({ name: 'paused', active: false, effects: [{ type: 'award_units', units: 1000 }] });
    const applied = async (email: string) => (await p.sell(100, { email })).json().campaigns.length;
    expect(await applied('ada@example.com')).toBe(1);
    expect(await applied('ada@example.com')).toBe(0); // per member per day reached
    expect(await applied('bob@example.com')).toBe(1);
    await p.advance({ by: 'P1D' });
    expect(await applied('ada@example.com')).toBe(1); // a new day
    expect(await applied('cyd@example.com')).toBe(0); // three in total reached
    expect((await p.balance(ada.id)).available).toBe(10);
    expect((await p.balance(bob.id)).available).toBe(5);
    expect(await p.balance(cyd.id)).toBeUndefined();

    // A run that gave nothing (its one effect refused) does not use up the limit.
    const fee = await p.campaign({ name: 'one-off fee', trigger: { kind: 'custom_event', eventType: 'fee' },
      effects: [{ type: 'deduct_units', units: 8 }], limits: { perMember: { count: 1, period: 'ever' } } });
    const charge = async () => (await p.call('POST', `/v1/members/${bob.id}/custom-events`, { type: 'fee' })).json().campaigns;
    expect(await charge()).toMatchObject([{ campaignId: fee.id, effects: [{ status: 'failed' }] }]);
    await p.credit(bob.id, 10);
    expect(await charge()).toMatchObject([{ effects: [{ status: 'applied', amount: 8 }] }]);
    expect(await charge()).toEqual([]);

    // Concurrent triggers cannot overrun a total limit.
    const last = await p.campaign({ name: 'first come', effects: [{ type: 'award_units', units: 1 }], limits: { total: { count: 1, period: 'ever' } } });
    const racing = await Promise.all(['ada', 'bob', 'cyd'].map((name) => p.sell(100, { email: `${name}@example.com` })));
    expect(racing.flatMap((r) => r.json().campaigns).filter((c: any) => c.campaignId === last.id)).toHaveLength(1);
  });

  it('week, month and year limits are calendar periods in the program timezone', async () => {
    const p = await purchaseProgram(h); // Europe/Paris: UTC+2 in summer, UTC+1 in winter
    const ada = await p.register({ email: 'ada-periods@example.com' });
    for (const period of ['week', 'month', 'year']) {
      await p.campaign({ name: period, effects: [{ type: 'award_units', units: 1 }], limits: { perMember: { count: 1, period } } });
    }
    const applied = async () => (await p.sell(100, { email: 'ada-periods@example.com' })).json().campaigns.map((c: any) => c.campaignName);
    expect(await p.now()).toEqual(new Date('2026-04-01T10:00:00Z')); // a Wednesday
    expect(await applied()).toEqual(['week', 'month', 'year']);
    expect(await applied()).toEqual([]);
    // Sunday 23:30 in Paris: the same week.
    await p.advance({ to: '2026-04-05T21:30:00Z' });
    expect(await applied()).toEqual([]);
    // Monday 00:00 in Paris, still Sunday in UTC: a new week.
    await p.advance({ to: '2026-04-05T22:00:00Z' });
    expect(await applied()).toEqual(['week']);
    // 1 May 00:00 in Paris (30 April in UTC): a new month, and a new week.
    await p.advance({ to: '2026-04-30T21:59:00Z' });
    expect(await applied()).toEqual(['week']);
    await p.advance({ to: '2026-04-30T22:00:00Z' });
    expect(await applied()).toEqual(['month']);
    // 1 January 00:00 in Paris (UTC+1): a new year and month, the same week (Monday 28 December).
    await p.advance({ to: '2026-12-31T22:59:00Z' });
    expect(await applied()).toEqual(['week', 'month']);
    await p.advance({ to: '2026-12-31T23:00:00Z' });
    expect(await applied()).toEqual(['month', 'year']);
    expect((await p.balance(ada.id)).available).toBe(10);
  });

  it('simulate shows what a purchase would produce and changes nothing', async () => {
    const p = await purchaseProgram(h);
    await p.register({ email: 'ada@example.com', cardId: 'ADA' });
    const c = await p.campaign({ name: 'double tea', effects: [perEuro(10, { multipliers: [{ sku: 'TEA', factor: 2 }] })] });
    await p.events();
    const before = await ledgerSnapshot(h.db);
    const body = { documentNumber: 'SIM-1', purchasedAt: '2026-04-01T09:00:00Z', currency: 'EUR', grossTotal: 3000, customer: { cardId: 'ADA' },
      items: [{ sku: 'TEA', grossValue: 1000 }, { sku: 'CUP', grossValue: 2000 }] };
    const simulated = await p.call('POST', '/v1/campaigns/simulate', body);
    expect(simulated.statusCode, simulated.body).toBe(200);
    expect(simulated.json()).toMatchObject({ matchedBy: 'loyaltyCardNumber', campaigns: [{ campaignId: c.id, effects: [{ type: 'award_units', amount: 400 }] }] });
    expect((await p.call('POST', '/v1/campaigns/simulate', { ...body, customer: { cardId: 'NOBODY' } })).json()).toEqual({ memberId: null, matchedBy: null, campaigns: [] });
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await p.events()).toEqual([]);
    // The real thing gives what the simulation said.
    expect((await p.call('POST', '/v1/purchases', body)).json().campaigns[0].effects[0].amount).toBe(400);
  });
});

describe('a full story', () => {
  it('registration bonus, points per euro, a SKU multiplier, a return', async () => {
    const p = await purchaseProgram(h);
    await p.campaign({ name: 'Welcome', trigger: { kind: 'registration' }, effects: [{ type: 'award_units', units: 100 }, { type: 'set_custom_attribute', name: 'welcomed', value: true }] });
    await p.campaign({ name: '1 point per euro, coffee x3', effects: [perEuro(1, { multipliers: [{ sku: 'COFFEE', factor: 3 }] })] });
    await p.campaign({ name: 'Welcomed members: 50 on a first big basket', condition: 'member.customAttributes.welcomed and transaction.grossValue >= 10000',
      limits: { perMember: { count: 1, period: 'ever' } }, effects: [{ type: 'award_units', units: 50 }] });

    const ada = await p.register({ email: 'ada@example.com', phone: '+33611111111' });
    expect(ada.customAttributes).toEqual({ welcomed: true });
    const welcome = await p.events();
    expect(names(welcome)).toEqual(['CustomerRegistered', 'subscription_created', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated',
      'balance_value_updated', 'CampaignEffectWasApplied', 'CustomerUpdated', 'CampaignEffectWasApplied']);
    expect(welcome[4].source_event_id).toBe(welcome[0].event_id ?? (await h.db.query(
      `SELECT id FROM events WHERE program_id = $1 AND type = 'CustomerRegistered'`, [p.program.id]))[0].id);
    expect(welcome[5].data).toMatchObject({ campaignName: 'Welcome', amount: 100, transactionId: null });
    expect(await p.balance(ada.id)).toMatchObject({ available: 100 });

    // 120.00 EUR with 20.00 of coffee counted three times: 160 points, plus the big-basket bonus.
    const first = await p.sell(12_000, { phone: '+33611111111' }, { items: [{ sku: 'COFFEE', grossValue: 2000, quantity: 2 }, { sku: 'CAKE', grossValue: 10_000 }] });
    expect(first.json().campaigns.map((c: any) => c.effects[0].amount)).toEqual([160, 50]);
    const second = await p.sell(10_050, { phone: '+33611111111' });
    expect(second.json().campaigns.map((c: any) => c.effects[0].amount)).toEqual([100]); // the bonus only once
    expect(await p.balance(ada.id)).toMatchObject({ available: 410 });

    // Half of the first purchase comes back: half of each award it earned is taken back.
    await p.events();
    const back = await p.giveBack(first.json().documentNumber, 6000);
    expect(back.json().takeBacks.map((t: any) => [t.due, t.taken, t.notTaken])).toEqual([[80, 80, 0], [25, 25, 0]]);
    expect(await p.balance(ada.id)).toMatchObject({ available: 305 });
    const events = await p.events();
    expect(ofType(events, 'AvailablePointsAmountChanged').map((e) => e.data.amountChange)).toEqual([-80, -25]);
    expect(ofType(events, 'CampaignEffectWasApplied')).toEqual([]);
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
  });
});

describe('the API reference', () => {
  it('documents every purchase and campaign route with a summary, its body schema and its problems', async () => {
    const doc = (await h.call('GET', '/openapi.json', { key: '' })).json();
    const routes: [string, string][] = [
      ['/v1/purchases', 'post'], ['/v1/purchases', 'get'], ['/v1/purchases/{purchaseId}', 'get'],
      ['/v1/purchases/{purchaseId}/assign', 'post'], ['/v1/purchases/imports', 'post'],
      ['/v1/campaigns', 'post'], ['/v1/campaigns', 'get'], ['/v1/campaigns/{campaignId}', 'get'], ['/v1/campaigns/{campaignId}', 'put'],
      ['/v1/campaigns/simulate', 'post'], ['/v1/members/{memberId}/custom-events', 'post'],
    ];
    for (const [path, method] of routes) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation.summary, `${method} ${path}`).toEqual(expect.any(String));
      expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401']));
    }
    expect(doc.paths['/v1/purchases'].post.requestBody.content['application/json'].schema.required)
      .toEqual(expect.arrayContaining(['documentNumber', 'purchasedAt', 'grossTotal']));
    expect(doc.paths['/v1/campaigns'].post.requestBody.content['application/json'].schema.required)
      .toEqual(expect.arrayContaining(['name', 'trigger', 'effects']));
  });
});
