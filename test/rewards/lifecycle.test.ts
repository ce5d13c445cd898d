import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { names, ofType, rewardsProgram } from './support.ts';
import { useLedgerHarness } from '../ledger/support.ts';
import { voucherJobs } from '../../src/services/rewards/voucher-moments.ts';

let h: Harness;
let p: Awaited<ReturnType<typeof rewardsProgram>>;
useLedgerHarness({ start: '2026-06-01T09:00:00.000Z' }, async (made) => {
  h = made;
  p = await rewardsProgram(h);
});

const redeem = (body: Record<string, unknown>) => p.call('POST', '/v1/vouchers/redeem', body);

describe('redemption', () => {
  it('is two-phase: redeem holds the voucher, complete uses it (voucher_redeemed); a second use is refused with its reason', async () => {
    const ada = await p.member('ada-redeem@example.com');
    const reward = await p.reward({ name: 'Coffee', type: 'static_coupon', couponValue: 350, valueUnit: 'EUR' });
    const voucher = (await p.assign(reward.id, ada.id)).json();
    await p.events();

    const started = await redeem({ code: voucher.code, memberId: ada.id });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json()).toMatchObject({ status: 'active', redemption: { status: 'pending', value: 350, completedAt: null } });
    expect(await p.events()).toEqual([]);

    const twice = await redeem({ code: voucher.code });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ type: '/problems/voucher-redemption-pending' });
    expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', code: voucher.code,
      reason: 'Voucher redemption is already in progress', offer: { id: reward.id, name: 'Coffee' } }]);

    const done = await p.call('POST', `/v1/vouchers/${voucher.id}/redemption/complete`);
    expect(done.json()).toMatchObject({ status: 'redeemed', redemption: { status: 'completed', completedAt: '2026-06-01T09:00:00.000Z' } });
    const events = await p.events();
    expect(names(events)).toEqual(['RewardRedemptionStatusChanged', 'voucher_redeemed']);
    expect(events[0].data).toMatchObject({ issuedRewardId: voucher.id, rewardId: reward.id, couponCode: voucher.code, previousStatus: 'active', status: 'used' });
    expect(events[1]).toMatchObject({ code: voucher.code, id: voucher.id, offer: { id: reward.id } });

    const again = await redeem({ voucherId: voucher.id, autoComplete: true });
    expect(again.json()).toMatchObject({ status: 409, type: '/problems/voucher-used', detail: 'Voucher is already used' });
    expect(ofType(await p.events(), 'voucher_redeem_unauthorized')[0].reason).toBe('Voucher is already used');
    expect((await p.call('POST', `/v1/vouchers/${voucher.id}/redemption/complete`)).json()).toMatchObject({ status: 409, type: '/problems/voucher-state' });
  });

  it('refuses the voucher of a deactivated member (validate says why), and takes it again once reactivated', async () => {
    const dee = await p.member('dee-inactive@example.com');
    const voucher = (await p.assign((await p.reward({ name: 'Inactive test' })).id, dee.id)).json();
    expect((await p.call('POST', `/v1/members/${dee.id}/deactivate`)).statusCode).toBe(200);
    await p.events();

    const checked = await p.call('POST', '/v1/vouchers/validate', { code: voucher.code });
    expect(checked.json()).toMatchObject({ valid: false, code: 'voucher-member-inactive' });
    const refused = await redeem({ code: voucher.code, autoComplete: true });
    expect(refused.json()).toMatchObject({ status: 409, type: '/problems/voucher-member-inactive' });
    expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', reason: 'Voucher holder is not an active member' }]);
    expect((await p.voucher(voucher.id)).status).toBe('active');

    expect((await p.call('POST', `/v1/members/${dee.id}/reactivate`)).statusCode).toBe(200);
    expect((await redeem({ code: voucher.code, autoComplete: true })).json()).toMatchObject({ status: 'redeemed' });
  });

  it("refuses another member's voucher, sets a dynamic coupon's value at redemption, and cancels a pending redemption", async () => {
    const bob = await p.member('bob-dyn@example.com');
    const eve = await p.member('eve-other@example.com');
    const reward = await p.reward({ type: 'dynamic_coupon', valueUnit: 'EUR' });
    const voucher = (await p.assign(reward.id, bob.id)).json();
    await p.events();

    expect((await redeem({ code: voucher.code })).json()).toMatchObject({ status: 422, errors: [{ field: '/value' }] });
    expect((await redeem({ code: voucher.code, voucherId: voucher.id, value: 5 })).json()).toMatchObject({ status: 422, errors: [{ field: '/code' }] });
    expect((await redeem({ code: 'NO-SUCH-CODE', value: 5 })).json()).toMatchObject({ status: 404, errors: [{ field: '/code' }] });
    const wrong = await redeem({ code: voucher.code, memberId: eve.id, value: 500 });
    expect(wrong.json()).toMatchObject({ status: 409, type: '/problems/voucher-wrong-member' });
    expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', reason: 'Voucher belongs to another member' }]);

    const pending = await redeem({ code: voucher.code, memberId: bob.id, value: 500 });
    expect(pending.json().redemption).toMatchObject({ status: 'pending', value: 500 });
    const cancelled = await p.call('POST', `/v1/vouchers/${voucher.id}/redemption/cancel`);
    expect(cancelled.json()).toMatchObject({ status: 'active', redemption: { status: 'cancelled' } });
    expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', reason: 'Voucher redemption cancelled' }]);

    const used = await redeem({ code: voucher.code, value: 750, autoComplete: true });
    expect(used.json()).toMatchObject({ status: 'redeemed', redemption: { status: 'completed', value: 750 } });
    expect(names(await p.events())).toEqual(['RewardRedemptionStatusChanged', 'voucher_redeemed']);
  });

  it('refuses an unusable voucher with its event whether or not a value was sent: the value is checked only when it can be redeemed', async () => {
    const lea = await p.member('lea-value@example.com');
    const dynamic = await p.reward({ name: 'Dyn value', type: 'dynamic_coupon', valueUnit: 'EUR' });
    const fixed = await p.reward({ name: 'Fixed value', type: 'static_coupon', couponValue: 200, valueUnit: 'EUR' });
    const revokedDynamic = (await p.assign(dynamic.id, lea.id)).json();
    const usedDynamic = (await p.assign(dynamic.id, lea.id)).json();
    const revokedFixed = (await p.assign(fixed.id, lea.id)).json();
    await p.call('POST', `/v1/vouchers/${revokedDynamic.id}/revoke`);
    await p.call('POST', `/v1/vouchers/${revokedFixed.id}/revoke`);
    await redeem({ code: usedDynamic.code, value: 300, autoComplete: true });
    await p.events();

    const cases: [any, Record<string, unknown>, string, string][] = [
      [revokedDynamic, {}, 'voucher-revoked', 'Voucher is revoked'],
      [usedDynamic, {}, 'voucher-used', 'Voucher is already used'],
      [revokedFixed, { value: 100 }, 'voucher-revoked', 'Voucher is revoked'],
    ];
    for (const [voucher, extra, code, reason] of cases) {
      const refused = await redeem({ code: voucher.code, autoComplete: true, ...extra });
      expect(refused.json(), code).toMatchObject({ status: 409, type: `/problems/${code}` });
      expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', code: voucher.code, reason }]);
    }
    // A usable voucher still gets the value checks (422, nothing fired).
    const fresh = (await p.assign(fixed.id, lea.id)).json();
    await p.events();
    expect((await redeem({ code: fresh.code, value: 100 })).json()).toMatchObject({ status: 422, errors: [{ field: '/value' }] });
    expect(await p.events()).toEqual([]);
  });

  it('a pending redemption with ttlSeconds ends when not completed in time, and the voucher can be redeemed again', async () => {
    const kai = await p.member('kai-ttl@example.com');
    const reward = await p.reward();
    const voucher = (await p.assign(reward.id, kai.id)).json();
    expect((await redeem({ code: voucher.code, autoComplete: true, ttlSeconds: 60 })).json())
      .toMatchObject({ status: 422, errors: [{ field: '/ttlSeconds' }] });
    expect((await redeem({ code: voucher.code, ttlSeconds: 600 })).json().redemption.status).toBe('pending');
    await p.events();
    await p.advance({ by: 'PT9M' });
    expect(await p.events()).toEqual([]);
    await p.advance({ by: 'PT2M' });
    expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', reason: 'Voucher redemption expired before completion' }]);
    expect(await p.voucher(voucher.id)).toMatchObject({ status: 'active', redemption: { status: 'cancelled' } });
    // completed in time: the time-out does nothing
    await redeem({ code: voucher.code, ttlSeconds: 600 });
    await p.call('POST', `/v1/vouchers/${voucher.id}/redemption/complete`);
    await p.advance({ by: 'PT11M' });
    expect(names(await p.events())).toEqual(['RewardRedemptionStatusChanged', 'voucher_redeemed']);
  });

  it('validates for a point of sale without changing anything or firing anything', async () => {
    const cleo = await p.member('cleo-pos@example.com');
    const reward = await p.reward();
    const voucher = (await p.assign(reward.id, cleo.id)).json();
    await p.events();
    const ok = await p.call('POST', '/v1/vouchers/validate', { code: voucher.code, memberId: cleo.id });
    expect(ok.json()).toMatchObject({ valid: true, reason: null, voucher: { id: voucher.id, status: 'active', redemption: null } });
    await p.call('POST', `/v1/vouchers/${voucher.id}/revoke`, { comment: 'fraud' });
    await p.events();
    const no = await p.call('POST', '/v1/vouchers/validate', { voucherId: voucher.id });
    expect(no.json()).toMatchObject({ valid: false, reason: 'Voucher is revoked', code: 'voucher-revoked' });
    expect(await p.events()).toEqual([]);
  });
});

describe('moments: activation, reminders, expiry', () => {
  it('a delayed voucher is not valid yet, then becomes active through the scheduler', async () => {
    const dan = await p.member('dan-wait@example.com');
    const reward = await p.reward({ activationDelayDays: 2 });
    const voucher = (await p.assign(reward.id, dan.id)).json();
    await p.events();
    const early = await redeem({ code: voucher.code, autoComplete: true });
    expect(early.json()).toMatchObject({ status: 409, type: '/problems/voucher-not-yet-valid' });
    expect(ofType(await p.events(), 'voucher_redeem_unauthorized')[0].reason).toBe('Voucher is not valid yet');

    await p.advance({ by: 'P2D' });
    expect((await p.voucher(voucher.id)).status).toBe('active');
    const events = ofType(await p.events(), 'RewardRedemptionStatusChanged');
    expect(events.map((e) => [e.data.issuedRewardId, e.data.previousStatus, e.data.status])).toEqual([[voucher.id, 'pending', 'active']]);
    expect((await redeem({ code: voucher.code, autoComplete: true })).json().status).toBe('redeemed');
    await p.events();
  });

  it('reminds N days before expiry (program setting), then expires the unused voucher', async () => {
    const eve = await p.member('eve-expiry@example.com');
    const reward = await p.reward({ name: 'Dessert', validity: { days: 10 } });
    const voucher = (await p.assign(reward.id, eve.id)).json();
    const used = (await p.assign(reward.id, eve.id)).json();
    await redeem({ code: used.code, autoComplete: true });
    await p.events();

    await p.advance({ by: 'P3D' }); // 7 days before (the default couponsDaysBefore)
    const reminders = await p.events();
    expect(names(reminders)).toEqual(['CouponWillExpire', 'voucher_expiration_reminder']);
    expect(reminders[0].data).toMatchObject({ issuedRewardId: voucher.id, couponCode: voucher.code, expiresAt: voucher.expiresAt, daysBefore: 7 });
    expect(reminders[1]).toMatchObject({ id: voucher.id, code: voucher.code, expired_at: voucher.expiresAt, valid_from: voucher.validFrom,
      reminder: { unit: 'day', value: 7 }, membership: { card_id: eve.cardId }, offer: { id: reward.id, name: 'Dessert' } });
    const [membership] = await h.db.query<{ created_at: Date }>(`SELECT created_at FROM subscriptions WHERE member_id = $1`, [eve.id]);
    expect(reminders[1].membership.created_at).toBe(new Date(membership.created_at).toISOString());

    await p.advance({ by: 'P7D' });
    expect((await p.voucher(voucher.id)).status).toBe('expired');
    expect((await p.voucher(used.id)).status).toBe('redeemed');
    const expiry = await p.events();
    expect(names(expiry)).toEqual(['RewardRedemptionStatusChanged', 'voucher_expired']);
    expect(expiry[0].data).toMatchObject({ previousStatus: 'active', status: 'expired' });
    expect(expiry[1]).toMatchObject({ id: voucher.id, code: voucher.code });
    expect((await redeem({ code: voucher.code })).json()).toMatchObject({ type: '/problems/voucher-expired' });
    expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', code: voucher.code, reason: 'Voucher has expired' }]);
  });

  it('uses the program\'s expiringNotifications.couponsDaysBefore, and none when it is 0', async () => {
    const q = await rewardsProgram(h, { settings: { expiringNotifications: { couponsDaysBefore: 2 } } });
    const fay = await q.member('fay-two@example.com');
    const reward = await q.reward({ validity: { days: 5 } });
    await q.assign(reward.id, fay.id);
    await q.events();
    await q.advance({ by: 'P2D' });
    expect(await q.events()).toEqual([]);
    await q.advance({ by: 'P1D' });
    expect(ofType(await q.events(), 'CouponWillExpire')[0].data.daysBefore).toBe(2);
    await q.call('PATCH', `/v1/programs/${q.program.id}`, { settings: { expiringNotifications: { couponsDaysBefore: 0 } } });
    await q.assign(reward.id, fay.id);
    await q.advance({ by: 'P5D' });
    expect(names(await q.events())).toEqual(['CustomerBoughtReward', 'voucher_created',
      'RewardRedemptionStatusChanged', 'voucher_expired', 'RewardRedemptionStatusChanged', 'voucher_expired']);
  });
});

describe('reminders of vouchers sharing an expiry', () => {
  it('each voucher is reminded at the N of the setting when it was issued, even with the same fixed validity date', async () => {
    const q = await rewardsProgram(h); // couponsDaysBefore 7, the default
    const ora = await q.member('ora-remind@example.com');
    const until = new Date((await q.now()).getTime() + 20 * 86_400_000).toISOString();
    const reward = await q.reward({ name: 'Fixed date', validity: { until } });
    const early = (await q.assign(reward.id, ora.id)).json();
    await q.call('PATCH', `/v1/programs/${q.program.id}`, { settings: { expiringNotifications: { couponsDaysBefore: 3 } } });
    const late = (await q.assign(reward.id, ora.id)).json();
    expect([early.expiresAt, late.expiresAt]).toEqual([until, until]);
    await q.events();

    await q.advance({ by: 'P13D' }); // 7 days before
    const first = ofType(await q.events(), 'CouponWillExpire');
    expect(first.map((e) => [e.data.issuedRewardId, e.data.daysBefore])).toEqual([[early.id, 7]]);
    await q.advance({ by: 'P4D' }); // 3 days before
    const second = ofType(await q.events(), 'CouponWillExpire');
    expect(second.map((e) => [e.data.issuedRewardId, e.data.daysBefore])).toEqual([[late.id, 3]]);
  });
});

describe('moments the scheduler has not played yet', () => {
  // The scheduler may lag behind the clock: the rules judge from the voucher's moments, not only its stored status.
  const dropJobs = (programId: string, kind: string) =>
    h.db.query(`DELETE FROM scheduled_jobs WHERE program_id = $1 AND kind = $2`, [programId, kind]);

  it('a voucher past its expiry is refused as expired before the expiry sweep ran', async () => {
    const q = await rewardsProgram(h);
    const mia = await q.member('mia-late-sweep@example.com');
    const voucher = (await q.assign((await q.reward({ validity: { days: 3 } })).id, mia.id)).json();
    await dropJobs(q.program.id, voucherJobs.expire);
    await q.advance({ by: 'P4D' });
    await q.events();
    expect((await q.voucher(voucher.id)).status).toBe('active');

    const checked = await q.call('POST', '/v1/vouchers/validate', { code: voucher.code });
    expect(checked.json()).toMatchObject({ valid: false, code: 'voucher-expired', reason: 'Voucher has expired' });
    const refused = await q.call('POST', '/v1/vouchers/redeem', { code: voucher.code, autoComplete: true });
    expect(refused.json()).toMatchObject({ status: 409, type: '/problems/voucher-expired' });
    expect(await q.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', code: voucher.code, reason: 'Voucher has expired' }]);
    expect((await q.voucher(voucher.id)).status).toBe('active');
  });

  it('redeeming a pending voucher whose moment came activates it first (pending → active → used)', async () => {
    const q = await rewardsProgram(h);
    const noa = await q.member('noa-late-activation@example.com');
    const voucher = (await q.assign((await q.reward({ activationDelayDays: 1 })).id, noa.id)).json();
    expect(voucher.status).toBe('pending');
    await dropJobs(q.program.id, voucherJobs.activate);
    await q.advance({ by: 'P1D' });
    await q.events();
    expect((await q.voucher(voucher.id)).status).toBe('pending');

    const used = await q.call('POST', '/v1/vouchers/redeem', { code: voucher.code, autoComplete: true });
    expect(used.json()).toMatchObject({ status: 'redeemed', redemption: { status: 'completed' } });
    const events = await q.events();
    expect(names(events)).toEqual(['RewardRedemptionStatusChanged', 'RewardRedemptionStatusChanged', 'voucher_redeemed']);
    expect(events.slice(0, 2).map((e) => [e.data.previousStatus, e.data.status])).toEqual([['pending', 'active'], ['active', 'used']]);
  });
});

describe('revoking and cancelling', () => {
  it('revokes and cancels a pending voucher, each change from pending fired; neither becomes active later', async () => {
    const nia = await p.member('nia-pending@example.com');
    await p.credit(nia.id, 100);
    const reward = await p.reward({ cost: 40, activationDelayDays: 3 });
    const revoked = (await p.purchase(reward.id, nia.id)).json();
    const cancelled = (await p.purchase(reward.id, nia.id)).json();
    expect([revoked.status, cancelled.status]).toEqual(['pending', 'pending']);
    await p.events();

    expect((await p.call('POST', `/v1/vouchers/${revoked.id}/revoke`)).json()).toMatchObject({ status: 'revoked' });
    const revoking = await p.events();
    expect(names(revoking)).toEqual(['RewardRedemptionStatusChanged', 'voucher_revoked']);
    expect(revoking[0].data).toMatchObject({ issuedRewardId: revoked.id, previousStatus: 'pending', status: 'cancelled' });

    expect((await p.call('POST', `/v1/vouchers/${cancelled.id}/cancel`)).json()).toMatchObject({ status: 'cancelled' });
    const cancelling = await p.events();
    expect(names(cancelling)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'RewardRedemptionStatusChanged', 'voucher_revoked']);
    expect(cancelling[3].data).toMatchObject({ issuedRewardId: cancelled.id, previousStatus: 'pending', status: 'returned' });
    expect(await p.balance(nia.id)).toMatchObject({ available: 60, spent: 40 });

    await p.advance({ by: 'P3D' });
    const ours = ofType(await p.events(), 'RewardRedemptionStatusChanged').filter((e) => [revoked.id, cancelled.id].includes(e.data.issuedRewardId));
    expect(ours).toEqual([]);
    expect([(await p.voucher(revoked.id)).status, (await p.voucher(cancelled.id)).status]).toEqual(['revoked', 'cancelled']);
  });

  it('revokes an unused voucher (voucher_revoked); units paid stay spent; a revoked voucher cannot be redeemed', async () => {
    const gus = await p.member('gus-revoke@example.com');
    await p.credit(gus.id, 100);
    const reward = await p.reward({ cost: 60 });
    const voucher = (await p.purchase(reward.id, gus.id)).json();
    await p.events();
    const revoked = await p.call('POST', `/v1/vouchers/${voucher.id}/revoke`, { comment: 'misuse' });
    expect(revoked.json()).toMatchObject({ status: 'revoked', comment: 'misuse' });
    const events = await p.events();
    expect(names(events)).toEqual(['RewardRedemptionStatusChanged', 'voucher_revoked']);
    expect(events[0].data).toMatchObject({ previousStatus: 'active', status: 'cancelled' });
    expect(events[1]).toMatchObject({ id: voucher.id, code: voucher.code, source_event_id: null });
    expect(await p.balance(gus.id)).toMatchObject({ available: 40, spent: 60 });
    expect((await redeem({ code: voucher.code })).json()).toMatchObject({ type: '/problems/voucher-revoked' });
    expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', code: voucher.code, reason: 'Voucher is revoked' }]);
    expect((await p.call('POST', `/v1/vouchers/${voucher.id}/revoke`)).json()).toMatchObject({ status: 409, type: '/problems/voucher-state' });
    expect(await p.events()).toEqual([]);
  });

  it('cancels a bought voucher: its units go back, it stops counting against the limits', async () => {
    const hal = await p.member('hal-cancel@example.com');
    await p.credit(hal.id, 100);
    const reward = await p.reward({ cost: 80, limits: { perMember: 1, total: 1 } });
    const voucher = (await p.purchase(reward.id, hal.id)).json();
    expect(await p.balance(hal.id)).toMatchObject({ available: 20 });
    await p.events();

    const cancelled = await p.call('POST', `/v1/vouchers/${voucher.id}/cancel`);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    const events = await p.events();
    expect(names(events)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'RewardRedemptionStatusChanged', 'voucher_revoked']);
    expect(events[0].data).toMatchObject({ amountChange: 80, reason: 'cancel' });
    expect(events[3].data).toMatchObject({ previousStatus: 'active', status: 'returned' });
    expect(events[4].source_event_id).toBe(events[0].data.transferId);
    expect(await p.balance(hal.id)).toMatchObject({ available: 100, spent: 0 });
    expect((await p.call('GET', `/v1/rewards/${reward.id}`)).json().issued).toBe(0);
    expect((await p.purchase(reward.id, hal.id)).statusCode).toBe(201);
    expect((await p.call('POST', `/v1/vouchers/${voucher.id}/cancel`)).json()).toMatchObject({ status: 409, type: '/problems/voucher-state' });
    await p.events();
    expect((await redeem({ code: voucher.code, autoComplete: true })).json()).toMatchObject({ status: 409, type: '/problems/voucher-cancelled' });
    expect(await p.events()).toMatchObject([{ event_name: 'voucher_redeem_unauthorized', code: voucher.code, reason: 'Voucher is cancelled' }]);
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
    await p.events();
  });
});

describe('member self-service', () => {
  it('the catalog hides what the member would be refused: outside the window, validity date passed, no free code, a limit reached', async () => {
    const q = await rewardsProgram(h); // its own program: the catalog is only these rewards
    const { member: zoe, token } = await q.loggedIn('zoe-catalog@example.com');
    const yan = await q.member('yan-catalog@example.com');
    const now = await q.now();
    const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();
    const catalog = async () => {
      const response = await h.call('GET', '/v1/me/rewards?limit=200', { key: token });
      expect(response.statusCode, response.body).toBe(200);
      return response.json().data.map((r: any) => r.name);
    };
    await q.reward({ name: 'soon', availableFrom: inDays(1) });
    await q.reward({ name: 'until', validity: { until: inDays(2) } });
    // Usable only after its validity date: issuing refuses it (reward-validity-passed).
    const delayed = await q.reward({ name: 'delayed', activationDelayDays: 3, validity: { until: inDays(2) } });
    const pool = await q.reward({ name: 'pool', codeSource: 'pool' });
    const total = await q.reward({ name: 'total', limits: { total: 1 } });
    const mine = await q.reward({ name: 'mine', limits: { perMember: 1 } });
    const monthly = await q.reward({ name: 'monthly', limits: { perPeriod: { count: 1, period: 'month' } } });
    expect(await catalog()).toEqual(['until', 'total', 'mine', 'monthly']);
    expect((await q.assign(delayed.id, zoe.id)).json()).toMatchObject({ type: '/problems/reward-validity-passed' });

    expect((await q.uploadCodes(pool.id, ['ZOE-1'])).statusCode).toBe(200);
    expect(await catalog()).toEqual(['until', 'pool', 'total', 'mine', 'monthly']);
    await q.assign(pool.id, yan.id);
    await q.assign(total.id, yan.id);
    const held = (await q.assign(mine.id, zoe.id)).json();
    await q.assign(monthly.id, zoe.id);
    expect(await catalog()).toEqual(['until']);
    // A cancelled voucher no longer counts against the limits.
    await q.call('POST', `/v1/vouchers/${held.id}/cancel`);
    expect(await catalog()).toEqual(['until', 'mine']);

    await q.advance({ by: 'P1D' });
    expect(await catalog()).toEqual(['soon', 'until', 'mine']);
    await q.advance({ by: 'P1D' });
    expect(await catalog()).toEqual(['soon', 'mine']);
    await q.advance({ by: 'P1M' }); // a new calendar month: the monthly limit is free again
    expect(await catalog()).toEqual(['soon', 'mine', 'monthly']);
  });

  it('lists the catalog the member may buy from, buys from it, and lists their vouchers', async () => {
    const { member: ivy, token } = await p.loggedIn('ivy-self@example.com', { customAttributes: { city: 'Lyon' } });
    await p.credit(ivy.id, 500);
    const shown = await p.reward({ name: 'internal-1', publicName: 'Lyon bag', cost: 100, targeting: { kind: 'attribute', attribute: 'city', value: 'Lyon' } });
    const hidden = await p.reward({ name: 'hidden', visible: false });
    await p.reward({ name: 'paris-only', targeting: { kind: 'attribute', attribute: 'city', value: 'Paris' } });
    await p.reward({ name: 'withdrawn', active: false });

    const catalog = await h.call('GET', '/v1/me/rewards?limit=200', { key: token });
    expect(catalog.statusCode, catalog.body).toBe(200);
    const ids = catalog.json().data.map((r: any) => r.id);
    expect(ids).toContain(shown.id);
    expect(ids).not.toContain(hidden.id);
    const names = catalog.json().data.map((r: any) => r.name);
    for (const name of ['hidden', 'paris-only', 'withdrawn']) expect(names).not.toContain(name);
    expect(catalog.json().data.find((r: any) => r.id === shown.id)).toEqual(expect.objectContaining({ name: 'Lyon bag', cost: 100 }));

    const buy = () => h.call('POST', `/v1/me/rewards/${shown.id}/purchase`, { key: token, body: {}, headers: { 'idempotency-key': 'tap-1' } });
    const bought = await buy();
    expect(bought.statusCode, bought.body).toBe(201);
    // A double tap with the same Idempotency-Key buys once: the same voucher, 100 units spent.
    const again = await buy();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(bought.json().id);
    expect(await p.balanceOf(ivy.id)).toMatchObject({ available: 400 });
    expect(bought.json()).toMatchObject({ memberId: ivy.id, source: 'purchase', cost: 100 });
    const notMine = await h.call('POST', `/v1/me/rewards/${hidden.id}/purchase`, { key: token, body: {} });
    expect(notMine.statusCode).toBe(404);
    const mine = await h.call('GET', '/v1/me/vouchers', { key: token });
    expect(mine.json().data.map((v: any) => v.id)).toEqual([bought.json().id]);
    expect((await p.call('GET', `/v1/members/${ivy.id}/vouchers`)).json().data).toHaveLength(1);
    await p.events();
  });
});
