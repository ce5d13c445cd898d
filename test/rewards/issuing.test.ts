import { describe, expect, it } from 'vitest';
import { programScope } from '../../src/services/emit-context.ts';
import { issueVoucherInTransaction } from '../../src/services/rewards/issue-voucher.ts';
import type { Queryable } from '../../src/storage/db.ts';
import type { Harness } from '../support/harness.ts';
import { names, ofType, rewardsProgram } from './support.ts';
import { useLedgerHarness } from '../ledger/support.ts';

let h: Harness;
let p: Awaited<ReturnType<typeof rewardsProgram>>;
useLedgerHarness({ start: '2026-03-01T09:00:00.000Z' }, async (made) => {
  h = made;
  p = await rewardsProgram(h);
});

describe('issuing vouchers', () => {
  it('a purchase debits the cost through the ledger and fires the unit events, CustomerBoughtReward and voucher_created', async () => {
    const ada = await p.member('ada-buy@example.com');
    await p.credit(ada.id, 500);
    const reward = await p.reward({ name: 'Cinema ticket', publicName: 'A night out', description: 'One ticket', imageUrl: 'https://img/x.png',
      cost: 200, codePattern: 'CIN-####', validity: { days: 30 } });
    expect(reward).toMatchObject({ balanceDefinitionId: p.definition.id, cost: 200, issued: 0 });
    await p.events();

    const bought = await p.purchase(reward.id, ada.id);
    expect(bought.statusCode, bought.body).toBe(201);
    const voucher = bought.json();
    expect(voucher).toMatchObject({ rewardId: reward.id, memberId: ada.id, status: 'active', source: 'purchase', cost: 200,
      balanceDefinitionId: p.definition.id, validFrom: '2026-03-01T09:00:00.000Z', expiresAt: '2026-03-31T08:00:00.000Z' }); // 30 calendar days in Paris, over the change to summer time
    expect(voucher.code).toMatch(/^CIN-\d{4}$/);
    expect(voucher.ledgerTransactionId).toBeTruthy();

    const events = await p.events();
    expect(names(events)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'CustomerBoughtReward', 'voucher_created']);
    expect(events[0].data).toMatchObject({ amountChange: -200, availableAmount: 300, reason: 'spend', transferId: voucher.ledgerTransactionId });
    expect(events[3].data).toMatchObject({
      issuedRewardId: voucher.id, rewardId: reward.id, rewardName: 'Cinema ticket', couponCode: voucher.code, acquisition: 'purchase',
      campaignId: null, costInUnits: 200, walletType: { id: p.definition.id, name: 'Points', unit: 'points' }, status: 'active',
      validFrom: voucher.validFrom, expiresAt: voucher.expiresAt,
    });
    expect(events[4]).toMatchObject({
      code: voucher.code, id: voucher.id, expires_at: voucher.expiresAt, valid_from: voucher.validFrom,
      source_event_id: voucher.ledgerTransactionId, loyalty_program: { id: p.program.id, name: 'Ledger Club' },
      offer: { id: reward.id, name: 'Cinema ticket', public_name: 'A night out', public_description: 'One ticket', public_image: 'https://img/x.png' },
    });
    expect(await p.balance(ada.id)).toMatchObject({ available: 300, spent: 200 });
    expect((await p.call('GET', `/v1/rewards/${reward.id}`)).json()).toMatchObject({ issued: 1, codes: { total: 1, free: 0 } });
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
  });

  it('refuses a purchase without enough units: voucher_attribution_failed only, no units taken, nothing issued', async () => {
    const bob = await p.member('bob-poor@example.com');
    await p.credit(bob.id, 300);
    const reward = await p.reward({ cost: 1000 });
    await p.events();
    const refused = await p.purchase(reward.id, bob.id);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ type: '/problems/insufficient-balance', detail: 'Amount falls below available balance amount' });
    const events = await p.events();
    expect(names(events)).toEqual(['voucher_attribution_failed']);
    expect(events[0]).toMatchObject({ rejection_error: 'Amount falls below available balance amount', voucher_offer_id: reward.id,
      loyalty_program: { id: p.program.id } });
    expect(await p.balance(bob.id)).toMatchObject({ available: 300, spent: 0 });
    expect((await p.call('GET', `/v1/vouchers?memberId=${bob.id}`)).json().data).toEqual([]);
    expect((await p.call('GET', `/v1/rewards/${reward.id}`)).json()).toMatchObject({ issued: 0, codes: { total: 0 } });
  });

  it('an admin assigns a reward free of charge (acquisition manual, no wallet)', async () => {
    const cleo = await p.member('cleo-gift@example.com');
    const reward = await p.reward({ cost: 50, type: 'static_coupon', couponValue: 1000, valueUnit: 'EUR' });
    await p.events();
    const given = await p.assign(reward.id, cleo.id);
    expect(given.statusCode, given.body).toBe(201);
    expect(given.json()).toMatchObject({ source: 'admin', cost: 0, value: 1000, ledgerTransactionId: null, expiresAt: null });
    const events = await p.events();
    expect(names(events)).toEqual(['CustomerBoughtReward', 'voucher_created']);
    expect(events[0].data).toMatchObject({ acquisition: 'manual', costInUnits: 0, walletType: null, expiresAt: null });
    expect(events[1]).toMatchObject({ source_event_id: null, expires_at: null });
  });

  it('enforces the limits per member, in all and per calendar period, each with its reason', async () => {
    const a = await p.member('lim-a@example.com');
    const b = await p.member('lim-b@example.com');
    const c = await p.member('lim-c@example.com');
    const perMember = await p.reward({ limits: { perMember: 1 } });
    expect((await p.assign(perMember.id, a.id)).statusCode).toBe(201);
    await p.events();
    const again = await p.assign(perMember.id, a.id);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ type: '/problems/reward-member-limit-reached' });
    expect(ofType(await p.events(), 'voucher_attribution_failed')[0]).toMatchObject({ rejection_error: 'Reward limit per member reached' });

    const total = await p.reward({ limits: { total: 2 } });
    expect((await p.assign(total.id, a.id)).statusCode).toBe(201);
    expect((await p.assign(total.id, b.id)).statusCode).toBe(201);
    const third = await p.assign(total.id, c.id);
    expect(third.json()).toMatchObject({ status: 409, type: '/problems/reward-limit-reached', detail: 'Reward limit reached' });

    const monthly = await p.reward({ limits: { perPeriod: { count: 1, period: 'month' } } });
    expect((await p.assign(monthly.id, a.id)).statusCode).toBe(201);
    expect((await p.assign(monthly.id, a.id)).json()).toMatchObject({ type: '/problems/reward-period-limit-reached' });
    await p.advance({ to: '2026-04-01T00:00:00+02:00' }); // a new month in the program's timezone
    expect((await p.assign(monthly.id, a.id)).statusCode).toBe(201);
    await p.events();
  });

  it('refuses outside the availability window, when inactive, and when the member is not targeted', async () => {
    const now = await p.now();
    const dan = await p.member('dan-vip@example.com');
    await p.call('PATCH', `/v1/members/${dan.id}`, { customAttributes: { vip: true } });
    const eve = await p.member('eve-plain@example.com');
    const later = await p.reward({ availableFrom: new Date(now.getTime() + 86_400_000).toISOString() });
    expect((await p.assign(later.id, dan.id)).json()).toMatchObject({ type: '/problems/reward-not-available', detail: 'Reward is not available yet' });
    const over = await p.reward({ availableUntil: new Date(now.getTime() - 1000).toISOString() });
    expect((await p.assign(over.id, dan.id)).json()).toMatchObject({ type: '/problems/reward-not-available', detail: 'Reward is no longer available' });
    const off = await p.reward({ active: false });
    expect((await p.assign(off.id, dan.id)).json()).toMatchObject({ status: 409, type: '/problems/reward-inactive' });
    const withdrawn = (await p.call('GET', '/v1/rewards?active=false&type=material&limit=200')).json().data;
    expect(withdrawn.map((r: any) => r.id)).toEqual([off.id]);

    const vip = await p.reward({ targeting: { kind: 'attribute', attribute: 'vip', value: true } });
    expect((await p.assign(vip.id, dan.id)).statusCode).toBe(201);
    const notVip = await p.assign(vip.id, eve.id);
    expect(notVip.json()).toMatchObject({ status: 403, type: '/problems/reward-not-targeted', detail: 'Member is not targeted by this reward' });

    const failed = ofType(await p.events(), 'voucher_attribution_failed').map((e) => e.rejection_error);
    expect(failed).toEqual(['Reward is not available yet', 'Reward is no longer available', 'Reward is not active',
      'Member is not targeted by this reward']);
  });

  it("targets tiers: only members holding one see it in their catalog and may get it", async () => {
    // Its own program: a tier group gives every member enrolled after it an entry tier (and its events).
    const q = await rewardsProgram(h);
    const group = (await q.call('POST', '/v1/tier-groups', { name: 'Club' })).json();
    await q.call('POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Member', order: 0 });
    const gold = (await q.call('POST', `/v1/tier-groups/${group.id}/tiers`, { name: 'Gold', order: 10 })).json();
    const unknown = await q.call('POST', '/v1/rewards', { name: 'x', type: 'material', targeting: { kind: 'tiers', tierIds: [group.id] } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().errors).toEqual([{ field: '/targeting/tierIds/0', message: 'is not a tier of this program' }]);
    const lounge = await q.reward({ name: 'Gold lounge', cost: 10, targeting: { kind: 'tiers', tierIds: [gold.id] } });
    const { member: gus, token } = await q.loggedIn('gus-tier@example.com');
    await q.credit(gus.id, 100);
    const catalog = async () => (await h.call('GET', '/v1/me/rewards', { key: token })).json().data.map((r: any) => r.name);

    expect(await catalog()).toEqual([]);
    const refused = await q.purchase(lounge.id, gus.id);
    expect(refused.json()).toMatchObject({ status: 403, type: '/problems/reward-not-targeted', detail: 'Member is not targeted by this reward' });
    expect((await q.balance(gus.id)).available).toBe(100);

    expect((await q.call('PUT', `/v1/members/${gus.id}/tiers/${group.id}`, { tierId: gold.id })).statusCode).toBe(200);
    expect(await catalog()).toEqual(['Gold lounge']);
    const bought = await q.purchase(lounge.id, gus.id);
    expect(bought.statusCode, bought.body).toBe(201);
    expect((await q.balance(gus.id)).available).toBe(90);
  });

  it('takes codes from an uploaded pool in upload order, and refuses when it runs out', async () => {
    const fay = await p.member('fay-pool@example.com');
    const reward = await p.reward({ codeSource: 'pool' });
    expect((await p.assign(reward.id, fay.id)).json()).toMatchObject({ type: '/problems/reward-out-of-codes', detail: 'Reward is out of codes' });
    const upload = await p.uploadCodes(reward.id, ['POOL-1', 'POOL-2', '', 'POOL-1', 'POOL-3']);
    expect(upload.statusCode, upload.body).toBe(200);
    expect(upload.json()).toEqual({ received: 4, added: 3, skipped: 1, codes: { total: 3, free: 3 } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await p.assign(reward.id, fay.id)).json().code);
    expect(codes).toEqual(['POOL-1', 'POOL-2', 'POOL-3']);
    expect((await p.assign(reward.id, fay.id)).statusCode).toBe(409);
    // a code is unique in the program: another pool skips it
    const other = await p.reward({ codeSource: 'pool' });
    expect((await p.uploadCodes(other.id, ['POOL-2', 'NEW-1'])).json()).toMatchObject({ added: 1, skipped: 1 });
    await p.events();
  });

  it('issues a pending voucher when the reward has an activation delay, with validity counted from issue', async () => {
    const gus = await p.member('gus-delay@example.com');
    const reward = await p.reward({ activationDelayDays: 2, validity: { days: 10 } });
    const now = await p.now();
    const voucher = (await p.assign(reward.id, gus.id)).json();
    expect(voucher.status).toBe('pending');
    expect(new Date(voucher.validFrom).getTime() - now.getTime()).toBe(2 * 86_400_000);
    expect(new Date(voucher.expiresAt).getTime() - now.getTime()).toBe(10 * 86_400_000);
    const events = await p.events();
    expect(ofType(events, 'CustomerBoughtReward')[0].data.status).toBe('pending');
  });

  it('a fixed validity date is every voucher\'s expiry; once passed, the reward is refused', async () => {
    const kim = await p.member('kim-until@example.com');
    const now = await p.now();
    const until = new Date(now.getTime() + 5 * 86_400_000).toISOString();
    const reward = await p.reward({ validity: { until } });
    expect((await p.assign(reward.id, kim.id)).json()).toMatchObject({ expiresAt: until, status: 'active' });
    await p.advance({ by: 'P6D' });
    const late = await p.assign(reward.id, kim.id);
    expect(late.json()).toMatchObject({ status: 409, type: '/problems/reward-validity-passed' });
    await p.events();
  });

  it('a units-conversion coupon converts the units the member chooses, and can only be bought', async () => {
    const hal = await p.member('hal-convert@example.com');
    await p.credit(hal.id, 1000);
    const reward = await p.reward({ type: 'conversion_coupon', conversion: { units: 100, value: 50 }, valueUnit: 'EUR' });
    expect((await p.purchase(reward.id, hal.id)).json()).toMatchObject({ status: 422, errors: [{ field: '/units' }] });
    expect((await p.purchase(reward.id, hal.id, { units: 150 })).json()).toMatchObject({ status: 422, errors: [{ field: '/units' }] });
    const bought = await p.purchase(reward.id, hal.id, { units: 400 });
    expect(bought.json()).toMatchObject({ cost: 400, value: 200 });
    expect(await p.balance(hal.id)).toMatchObject({ available: 600 });
    expect((await p.assign(reward.id, hal.id)).json()).toMatchObject({ type: '/problems/reward-must-be-bought' });
    await p.events();
  });

  it('refuses units whose coupon value would not be an exact integer (past 2^53), taking nothing', async () => {
    const ike = await p.member('ike-overflow@example.com');
    await p.credit(ike.id, 10);
    const reward = await p.reward({ type: 'conversion_coupon', conversion: { units: 1, value: Number.MAX_SAFE_INTEGER }, valueUnit: 'EUR' });
    await p.events();
    const refused = await p.purchase(reward.id, ike.id, { units: 2 });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json()).toMatchObject({ type: '/problems/invalid-input', errors: [{ field: '/units' }] });
    expect(await p.events()).toEqual([]);
    expect(await p.balance(ike.id)).toMatchObject({ available: 10, spent: 0 });
    expect((await p.purchase(reward.id, ike.id, { units: 1 })).json()).toMatchObject({ cost: 1, value: Number.MAX_SAFE_INTEGER });
    await p.events();
  });

  it('a purchase pays from the balance definition the reward names, not the default one', async () => {
    const lou = await p.member('lou-stars@example.com');
    const stars = await p.define({ name: 'Stars', unit: 'points' });
    await p.credit(lou.id, 100);
    await p.credit(lou.id, 50, { balanceDefinitionId: stars.id });
    const reward = await p.reward({ name: 'Star gift', cost: 30, balanceDefinitionId: stars.id });
    await p.events();
    const bought = await p.purchase(reward.id, lou.id);
    expect(bought.statusCode, bought.body).toBe(201);
    expect(bought.json()).toMatchObject({ cost: 30, balanceDefinitionId: stars.id });
    const events = await p.events();
    expect(ofType(events, 'AvailablePointsAmountChanged')[0].data).toMatchObject({ amountChange: -30, availableAmount: 20 });
    expect(ofType(events, 'CustomerBoughtReward')[0].data).toMatchObject({ costInUnits: 30, walletType: { id: stars.id, name: 'Stars', unit: 'points' } });
    expect(await p.balanceOf(lou.id, stars.id)).toMatchObject({ available: 20, spent: 30 });
    expect(await p.balanceOf(lou.id)).toMatchObject({ available: 100, spent: 0 });
    // 100 points do not pay a reward priced in stars.
    expect((await p.purchase(reward.id, lou.id)).json()).toMatchObject({ status: 422, type: '/problems/insufficient-balance' });
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
    await p.events();
  });

  it('refuses bad reward definitions naming the field, and unknown members', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'static_coupon' }, '/couponValue'],
      [{ type: 'material', couponValue: 5 }, '/couponValue'],
      [{ availableFrom: '2026-05-01T00:00:00Z', availableUntil: '2026-04-01T00:00:00Z' }, '/availableUntil'],
      [{ validity: { days: 2 }, activationDelayDays: 2 }, '/validity/days'],
      [{ codeSource: 'pool', codePattern: 'AB##' }, '/codePattern'],
      [{ codePattern: 'FIXED' }, '/codePattern'],
      [{ type: 'conversion_coupon' }, '/conversion'],
    ];
    for (const [body, field] of cases) {
      const response = await p.call('POST', '/v1/rewards', { name: 'Bad', type: 'material', ...body });
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.json().errors[0].field, JSON.stringify(body)).toBe(field);
    }
    const schema = await p.call('POST', '/v1/rewards', { name: 'Bad', type: 'nonsense' });
    expect(schema.statusCode).toBe(400);
    const reward = await p.reward();
    const ghost = await p.assign(reward.id, '0197a000-0000-7000-8000-00000000dead');
    expect(ghost.json()).toMatchObject({ status: 404, errors: [{ field: '/memberId' }] });
    const patched = await p.call('PATCH', `/v1/rewards/${reward.id}`, { publicName: 'Coffee', limits: { total: 5 } });
    expect(patched.json()).toMatchObject({ publicName: 'Coffee', limits: { total: 5, perMember: null } });
  });
});

describe('the issuing contract for campaigns and tiers', () => {
  const grant = (input: Parameters<typeof issueVoucherInTransaction>[2]) =>
    h.db.transaction(async (tx) => issueVoucherInTransaction(tx, await programScope(tx, h.ctx, p.program.id, 'campaign'), input));

  it('grants free of charge with the campaign and the source event, and on failure emits voucher_attribution_failed and changes nothing else', async () => {
    const ian = await p.member('ian-granted@example.com');
    const reward = await p.reward({ name: 'Welcome gift', cost: 500, limits: { perMember: 1 } });
    await p.events();
    const campaignId = '0197a000-0000-7000-8000-0000000000ca';
    const granted = await grant({ rewardId: reward.id, memberId: ian.id, source: 'campaign', campaignId, sourceEventId: 'evt-1' });
    expect(granted).toMatchObject({ ok: true, voucher: { source: 'campaign', cost: 0, campaignId, sourceEventId: 'evt-1', ledgerTransactionId: null } });
    const events = await p.events();
    expect(names(events)).toEqual(['CustomerBoughtReward', 'voucher_created']);
    expect(events[0].data).toMatchObject({ acquisition: 'campaign', campaignId, costInUnits: 0, walletType: null });
    expect(events[1]).toMatchObject({ source_event_id: 'evt-1' });

    const refused = await grant({ rewardId: reward.id, memberId: ian.id, source: 'tier' });
    expect(refused).toMatchObject({ ok: false, reason: 'Reward limit per member reached' });
    expect(names(await p.events())).toEqual(['voucher_attribution_failed']);
    expect((await p.call('GET', `/v1/vouchers?memberId=${ian.id}`)).json().data).toHaveLength(1);
  });

  it("takes the balance lock before the reward's even when the reward's price changed between its read and its lock", async () => {
    const kit = await p.member('kit-reprice@example.com');
    const stars = await p.define({ name: 'Miles', unit: 'points' });
    await p.credit(kit.id, 5);
    await p.credit(kit.id, 100, { balanceDefinitionId: stars.id });
    const reward = await p.reward({ name: 'Repriced', cost: 10 });
    await p.events();
    // The concurrent update lands after issuing read the reward unlocked (just before its
    // savepoint), as another transaction committing then would; every lock taken is recorded.
    const locks: string[] = [];
    const result = await h.db.transaction(async (tx) => {
      let repriced = false;
      const spy: Queryable = {
        exec: (sql) => tx.exec(sql),
        async query(sql, params) {
          if (sql === 'SAVEPOINT issue_voucher' && !repriced) {
            repriced = true;
            await tx.query(`UPDATE rewards SET cost = 30, balance_definition_id = $2 WHERE id = $1`, [reward.id, stars.id]);
          }
          if (/FROM rewards r WHERE .* FOR UPDATE/s.test(sql)) locks.push('reward');
          // A balance is locked on its own or with the member's other rows (storage/ledger/targets.ts).
          if (/FROM balances b\s+WHERE b\.subscription_id = .* FOR UPDATE/s.test(sql)) {
            locks.push(params!.includes(stars.id) ? 'stars' : 'points');
          }
          if (sql.startsWith('ROLLBACK TO SAVEPOINT')) locks.push('rollback');
          return tx.query(sql, params);
        },
      };
      return issueVoucherInTransaction(spy, await programScope(spy, h.ctx, p.program.id, 'api'), { rewardId: reward.id, memberId: kit.id, source: 'purchase' });
    });
    expect(locks).toEqual(['points', 'reward', 'rollback', 'stars', 'reward']);
    expect(result).toMatchObject({ ok: true, voucher: { cost: 30, balanceDefinitionId: stars.id } });
    expect(await p.balanceOf(kit.id, stars.id)).toMatchObject({ available: 70 });
    expect(await p.balanceOf(kit.id)).toMatchObject({ available: 5 });
    await p.events();
  });

  it('refuses a member who is not active', async () => {
    const jo = await p.member('jo-inactive@example.com');
    expect((await p.call('POST', `/v1/members/${jo.id}/deactivate`)).statusCode).toBe(200);
    const reward = await p.reward();
    await p.events();
    const refused = await p.assign(reward.id, jo.id);
    expect(refused.json()).toMatchObject({ status: 409, type: '/problems/member-inactive' });
    expect(ofType(await p.events(), 'voucher_attribution_failed')[0].rejection_error).toBe('Contact is not active in the loyalty program');
  });
});
