import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { names, ofType, rewardsProgram } from './support.ts';
import { useLedgerHarness } from '../ledger/support.ts';

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
    await p.events();
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

describe('revoking and cancelling', () => {
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
    expect((await p.call('POST', `/v1/vouchers/${voucher.id}/revoke`)).json()).toMatchObject({ status: 409, type: '/problems/voucher-state' });
    await p.events();
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
  it('lists the catalog the member may buy from, buys from it, and lists their vouchers', async () => {
    const password = 'a secret 12345';
    const created = await p.call('POST', '/v1/members', { email: 'ivy-self@example.com', password, customAttributes: { city: 'Lyon' } });
    const ivy = created.json();
    await p.credit(ivy.id, 500);
    const login = await h.call('POST', `/v1/programs/${p.program.id}/member-sessions`, { key: '', body: { identifier: 'ivy-self@example.com', password } });
    const token = login.json().token;
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
