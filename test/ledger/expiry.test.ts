import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, names, ofType, useLedgerHarness } from './support.ts';

/**
 * Expiry: when lots expire (every rule, in the program's timezone), the scheduler expiring them
 * at their time, the reminders N days before, an admin expiring a lot early, and a whole year of
 * a program played with the sandbox clock.
 */

let h: Harness;
// Tuesday 10 March 2026, 10:30 in Paris (UTC+1), 05:30 in New York (UTC-4 since 8 March).
useLedgerHarness({ start: '2026-03-10T09:30:00.000Z' }, (made) => {
  h = made;
});

const consistent = { consistent: true, differences: [] };

describe('when lots expire', () => {
  it('follows the definition: never, a duration with no alignment / start / end of period, or a fixed yearly date, in program time', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const rules: [Record<string, unknown>, string | null][] = [
      [{ kind: 'none' }, null],
      [{ kind: 'duration', amount: 10, unit: 'day', alignment: 'none' }, '2026-03-20T09:30:00.000Z'],
      // Three months later at the same local time: 10:30 in summer is 08:30 UTC.
      [{ kind: 'duration', amount: 3, unit: 'month' }, '2026-06-10T08:30:00.000Z'],
      [{ kind: 'duration', amount: 3, unit: 'month', alignment: 'start_of_period' }, '2026-05-31T22:00:00.000Z'],
      [{ kind: 'duration', amount: 3, unit: 'month', alignment: 'end_of_period' }, '2026-06-30T22:00:00.000Z'],
      [{ kind: 'duration', amount: 1, unit: 'day', alignment: 'end_of_period' }, '2026-03-11T23:00:00.000Z'],
      // Two weeks: Tuesday 24 March; the end of that week is Monday 30 March, 00:00 summer time.
      [{ kind: 'duration', amount: 2, unit: 'week', alignment: 'end_of_period' }, '2026-03-29T22:00:00.000Z'],
      [{ kind: 'duration', amount: 1, unit: 'year', alignment: 'start_of_period' }, '2026-12-31T23:00:00.000Z'],
      [{ kind: 'fixed_date', month: 1, day: 31 }, '2027-01-30T23:00:00.000Z'],
      [{ kind: 'fixed_date', month: 3, day: 11 }, '2026-03-10T23:00:00.000Z'],
      // Today's midnight has passed: next year's.
      [{ kind: 'fixed_date', month: 3, day: 10 }, '2027-03-09T23:00:00.000Z'],
      // 29 February falls on the 28th in a common year.
      [{ kind: 'fixed_date', month: 2, day: 29 }, '2027-02-27T23:00:00.000Z'],
    ];
    for (const [i, [expiry, expected]] of rules.entries()) {
      const definition = await l.define({ name: `Rule ${i}`, expiry });
      const credit = await l.credit(ada.id, 10, { balanceDefinitionId: definition.id });
      expect(credit.statusCode, credit.body).toBe(201);
      const balance = await l.balanceOf(ada.id, definition.id);
      const [lot] = await l.all(`/v1/balances/${balance.id}/lots`);
      expect(lot.expiresAt, JSON.stringify(expiry)).toBe(expected);
    }

    // The same rules in another timezone give other instants.
    const ny = await ledgerProgram(h, {}, { timezone: 'America/New_York' });
    const bob = await ny.member('bob@example.com');
    for (const [expiry, expected] of [
      [{ kind: 'duration', amount: 1, unit: 'month', alignment: 'end_of_period' }, '2026-05-01T04:00:00.000Z'],
      [{ kind: 'fixed_date', month: 3, day: 10 }, '2027-03-10T05:00:00.000Z'],
    ] as const) {
      const definition = await ny.define({ name: JSON.stringify(expiry), expiry });
      await ny.credit(bob.id, 10, { balanceDefinitionId: definition.id });
      const balance = await ny.balanceOf(bob.id, definition.id);
      expect((await ny.all(`/v1/balances/${balance.id}/lots`))[0].expiresAt).toBe(expected);
    }
    await l.events();
    await ny.events();
  });
});

describe('the scheduler expires lots and reminds before', () => {
  it('reminds N days before (the definition\'s reminderDaysBefore) and expires the lot at its time, with the exact events', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 10, unit: 'day' }, reminderDaysBefore: 3 }, { settings: { expiringNotifications: { unitsDaysBefore: 5 } } });
    const ada = await l.member('ada@example.com');
    const credit = await l.credit(ada.id, 100);
    const expiresAt = new Date((await l.now()).getTime() + 10 * 86_400_000).toISOString();
    const remindAt = new Date((await l.now()).getTime() + 7 * 86_400_000).toISOString();
    await l.debit(ada.id, 30);
    await l.events();

    await l.advance({ to: new Date(new Date(remindAt).getTime() - 1).toISOString() });
    expect(await l.events()).toEqual([]);
    await l.advance({ to: remindAt });
    const reminder = await l.events();
    expect(names(reminder)).toEqual(['PointsWillExpire', 'balance_expiration_reminder']);
    expect(reminder[0]).toMatchObject({ timestamp: remindAt, data: { walletType: { id: l.definition.id, name: 'Points', unit: 'points' },
      amount: 70, expiresAt, daysBefore: 3, customer: { customerId: ada.id } } });
    expect(reminder[1]).toMatchObject({ source: 'scheduler', amount: 70, expires_at: expiresAt, created_at: remindAt,
      reminder: { unit: 'day', value: 3 }, balance_definition: { id: l.definition.id },
      membership: { card_id: ada.cardId, created_at: ada.subscription.createdAt }, contact_id: ada.contactId });

    await l.debit(ada.id, 20);
    await l.events();
    await l.advance({ to: new Date(new Date(expiresAt).getTime() - 1).toISOString() });
    expect(await l.events()).toEqual([]);
    await l.advance({ to: expiresAt });
    const expired = await l.events();
    expect(names(expired)).toEqual(['balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated']);
    expect(expired[0]).toMatchObject({ source: 'scheduler', value: 0, balance_definition: { id: l.definition.id }, event_date: expiresAt });
    expect(expired[1].data).toMatchObject({ amountChange: -50, availableAmount: 0, reason: 'expire', transferId: null });
    expect(expired[2].data).toMatchObject({ amountChange: -50, reason: 'expire', transferId: null, activeUnits: 0, pendingUnits: 0, blockedUnits: 0 });

    const balance = await l.balance(ada.id);
    expect(balance).toMatchObject({ available: 0, expired: 50, spent: 50, earned: 100 });
    expect(await l.all(`/v1/balances/${balance.id}/lots`)).toMatchObject([
      { transactionId: credit.json().id, status: 'expired', amount: 100, remaining: 0, expired: 50, expiresAt }]);
    // Nothing more happens later.
    await l.advance({ by: 'P30D' });
    expect(await l.events()).toEqual([]);
    expect(await l.check()).toEqual(consistent);
  });

  it('takes N from the program\'s expiringNotifications.unitsDaysBefore when the definition says nothing; 0 on the definition means no reminder', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 20, unit: 'day' } }, { settings: { expiringNotifications: { unitsDaysBefore: 5 } } });
    const silent = await l.define({ name: 'Silent', expiry: { kind: 'duration', amount: 20, unit: 'day' }, reminderDaysBefore: 0 });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 40);
    await l.credit(ada.id, 40, { balanceDefinitionId: silent.id });
    // 20 days in Paris: summer time starts in between, the local time stays.
    const expiresAt = DateTime.fromJSDate(await l.now(), { zone: 'Europe/Paris' }).plus({ days: 20 }).toUTC().toISO();
    expect(expiresAt).toBe('2026-03-30T08:30:00.000Z');
    await l.events();
    await l.advance({ by: 'P14D' });
    expect(await l.events()).toEqual([]);
    await l.advance({ by: 'P1D' });
    const reminder = await l.events();
    expect(names(reminder)).toEqual(['PointsWillExpire', 'balance_expiration_reminder']);
    expect(reminder[0].data).toMatchObject({ amount: 40, daysBefore: 5, expiresAt, walletType: { id: l.definition.id } });
    expect(reminder[1]).toMatchObject({ reminder: { unit: 'day', value: 5 }, balance_definition: { id: l.definition.id } });
    await l.advance({ by: 'P5D' });
    const expired = await l.events();
    expect(names(expired)).toEqual(['balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated',
      'balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated']);
    expect(new Set(ofType(expired, 'balance_value_expired').map((e) => e.balance_definition.id))).toEqual(new Set([l.definition.id, silent.id]));
    expect(await l.check()).toEqual(consistent);
  });

  it('reminds once per balance and expiry moment, with the units of all its lots expiring then, at local midnight N calendar days before', async () => {
    // End of period: lots credited on several days of March all expire on 1 May, 00:00 in Paris.
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 1, unit: 'month', alignment: 'end_of_period' }, reminderDaysBefore: 7 });
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    await l.credit(ada.id, 100);
    await l.credit(bob.id, 10);
    await l.advance({ by: 'P5D' }); // 15 March
    await l.credit(ada.id, 50);
    await l.debit(ada.id, 30);
    await l.credit(bob.id, 10);
    await l.events();
    const expiresAt = '2026-04-30T22:00:00.000Z';
    const remindAt = '2026-04-23T22:00:00.000Z'; // 24 April, 00:00 in Paris

    await l.advance({ to: '2026-04-23T21:59:59.999Z' });
    expect(await l.events()).toEqual([]);
    const played = await l.advance({ to: remindAt });
    expect(played.jobsRun).toBe(1);
    const reminders = await l.events();
    expect(names(reminders).sort()).toEqual(['PointsWillExpire', 'PointsWillExpire', 'balance_expiration_reminder', 'balance_expiration_reminder']);
    const byMember = (events: any[], member: any) =>
      events.filter((e) => e.contact_id === member.contactId || e.data?.customer?.customerId === member.id);
    expect(byMember(reminders, ada).map((e) => e.amount ?? e.data.amount)).toEqual([120, 120]);
    expect(byMember(reminders, bob).map((e) => e.amount ?? e.data.amount)).toEqual([20, 20]);
    expect(ofType(reminders, 'balance_expiration_reminder').every((e) => e.expires_at === expiresAt && e.created_at === remindAt)).toBe(true);

    await l.advance({ to: expiresAt });
    const expired = await l.events();
    expect(ofType(expired, 'balance_value_expired')).toHaveLength(2);
    expect(byMember(ofType(expired, 'AvailablePointsAmountChanged'), ada).map((e) => e.data.amountChange)).toEqual([-120]);
    expect(byMember(ofType(expired, 'AvailablePointsAmountChanged'), bob).map((e) => e.data.amountChange)).toEqual([-20]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, expired: 120, spent: 30, earned: 150 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 0, expired: 20, earned: 20 });
    expect(await l.check()).toEqual(consistent);
  });

  it('keeps the reminder on the right local day across a daylight-saving change', async () => {
    // 10 March + 20 days, end of that day: 31 March 00:00 in Paris (summer time) = 30 March 22:00 UTC.
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 20, unit: 'day', alignment: 'end_of_period' }, reminderDaysBefore: 7 });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 10);
    const balance = await l.balance(ada.id);
    expect((await l.all(`/v1/balances/${balance.id}/lots`))[0].expiresAt).toBe('2026-03-30T22:00:00.000Z');
    await l.events();
    // Seven days before is 24 March, 00:00 in Paris (winter time) = 23 March 23:00 UTC — not 22:00, which is still the 23rd.
    await l.advance({ to: '2026-03-23T22:30:00.000Z' });
    expect(await l.events()).toEqual([]);
    await l.advance({ to: '2026-03-23T23:00:00.000Z' });
    const reminder = await l.events();
    expect(names(reminder)).toEqual(['PointsWillExpire', 'balance_expiration_reminder']);
    expect(reminder[1]).toMatchObject({ created_at: '2026-03-23T23:00:00.000Z', expires_at: '2026-03-30T22:00:00.000Z', reminder: { value: 7 } });
  });
});

describe('early expiry by an admin', () => {
  it('POST /v1/ledger/lots/:id/expire expires what remains of a lot now, with the expiry events; its scheduled expiry then does nothing', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 30, unit: 'day' }, reminderDaysBefore: 0 });
    const ada = await l.member('ada@example.com');
    const first = await l.credit(ada.id, 100);
    h.clock.advance(60_000);
    await l.credit(ada.id, 50);
    await l.debit(ada.id, 30); // from the first lot, which expires first
    await l.events();
    const balance = await l.balance(ada.id);
    const [lotA, lotB] = await l.all(`/v1/balances/${balance.id}/lots`);
    expect(lotA).toMatchObject({ transactionId: first.json().id, remaining: 70 });

    const expired = await l.call('POST', `/v1/ledger/lots/${lotA.id}/expire`);
    expect(expired.statusCode, expired.body).toBe(200);
    expect(expired.json()).toMatchObject({ id: lotA.id, status: 'expired', amount: 100, remaining: 0, expired: 70 });
    const events = await l.events();
    expect(names(events)).toEqual(['balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated']);
    expect(events[0]).toMatchObject({ source: 'admin', value: 50 });
    expect(events[1].data).toMatchObject({ amountChange: -70, availableAmount: 50, reason: 'expire', transferId: null });
    expect(events[2].data).toMatchObject({ amountChange: -70, activeUnits: 50, reason: 'expire' });
    expect(await l.balance(ada.id)).toMatchObject({ available: 50, expired: 70, spent: 30, earned: 150 });

    expect((await l.call('POST', `/v1/ledger/lots/${lotA.id}/expire`)).statusCode).toBe(409);
    expect((await l.call('POST', '/v1/ledger/lots/019c0000-0000-7000-8000-000000000000/expire')).statusCode).toBe(404);
    expect(await l.events()).toEqual([]);

    // At their time only the second lot expires: one set of events.
    await l.advance({ by: 'P31D' });
    const later = await l.events();
    expect(names(later)).toEqual(['balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated']);
    expect(later[1].data).toMatchObject({ amountChange: -50, availableAmount: 0 });
    expect(await l.all(`/v1/balances/${balance.id}/lots`)).toMatchObject([
      { id: lotA.id, status: 'expired', expired: 70 }, { id: lotB.id, status: 'expired', expired: 50 }]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, expired: 120, spent: 30, earned: 150 });
    expect(await l.check()).toEqual(consistent);
  });

  it('also expires a lot that would never expire', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    await l.events();
    const balance = await l.balance(ada.id);
    const [lot] = await l.all(`/v1/balances/${balance.id}/lots`);
    expect(lot.expiresAt).toBeNull();
    expect((await l.call('POST', `/v1/ledger/lots/${lot.id}/expire`)).json()).toMatchObject({ status: 'expired', expired: 100 });
    expect(names(await l.events())).toEqual(['balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated']);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, expired: 100 });
  });
});

describe('a whole year with the sandbox clock', () => {
  it('monthly credits expiring after 3 months, spends in between: exactly the expected expiries and reminders, figures that add up', { timeout: 120_000 }, async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 3, unit: 'month' }, reminderDaysBefore: 7 });
    // ada spends 30 each month; bob never spends; carol spends all 100 each month.
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    const carol = await l.member('carol@example.com');
    // 1 January 2027, 09:00 in Paris.
    let month = DateTime.fromISO('2027-01-01T09:00:00', { zone: 'Europe/Paris' });
    await l.advance({ to: month.toUTC().toISO()! });
    await l.events();

    const received: any[] = [];
    for (let m = 0; m < 12; m++) {
      for (const member of [ada, bob, carol]) expect((await l.credit(member.id, 100)).statusCode).toBe(201);
      await l.advance({ by: 'P14D' });
      expect((await l.debit(ada.id, 30)).statusCode).toBe(201);
      expect((await l.debit(carol.id, 100)).statusCode).toBe(201);
      month = month.plus({ months: 1 });
      await l.advance({ to: month.toUTC().toISO()! });
      received.push(...(await l.events()));
    }
    expect(month.toISO()).toBe('2028-01-01T09:00:00.000+01:00');

    const of = (member: any, name: string) => ofType(received, name).filter((e) => (e.contact_id ?? e.data.customer.contactId) === member.contactId);
    // ada: lots of January to October expire (January's with 10 left, the others with 70), each reminded 7 days before.
    expect(of(ada, 'balance_value_expired')).toHaveLength(10);
    expect(of(ada, 'PointsWillExpire').map((e) => e.data.amount)).toEqual([10, 70, 70, 70, 70, 70, 70, 70, 70, 70]);
    expect(of(ada, 'balance_expiration_reminder').map((e) => e.amount)).toEqual([10, 70, 70, 70, 70, 70, 70, 70, 70, 70]);
    expect(of(ada, 'AvailablePointsAmountChanged').filter((e) => e.data.reason === 'expire').map((e) => e.data.amountChange))
      .toEqual([-10, -70, -70, -70, -70, -70, -70, -70, -70, -70]);
    expect(of(ada, 'WalletBalanceUpdated').filter((e) => e.data.reason === 'expire')).toHaveLength(10);
    // Every reminder is 7 local days before its expiry, which is 3 months after the credit, at 09:00 in Paris.
    const expiries = of(ada, 'balance_expiration_reminder').map((e) => DateTime.fromISO(e.expires_at, { zone: 'Europe/Paris' }));
    expect(expiries.map((d) => d.toFormat('yyyy-MM-dd HH:mm'))).toEqual(
      ['04', '05', '06', '07', '08', '09', '10', '11', '12'].map((mm) => `2027-${mm}-01 09:00`).concat('2028-01-01 09:00'));
    for (const e of of(ada, 'balance_expiration_reminder')) {
      expect(DateTime.fromISO(e.created_at, { zone: 'Europe/Paris' }).plus({ days: 7 }).toISO()).toBe(DateTime.fromISO(e.expires_at, { zone: 'Europe/Paris' }).toISO());
    }
    // bob: the same moments, every lot whole.
    expect(of(bob, 'balance_value_expired')).toHaveLength(10);
    expect(of(bob, 'PointsWillExpire').map((e) => e.data.amount)).toEqual(Array(10).fill(100));
    expect(of(bob, 'balance_expiration_reminder')).toHaveLength(10);
    // carol: nothing left to expire, so neither expiries nor reminders.
    expect(of(carol, 'balance_value_expired')).toHaveLength(0);
    expect(of(carol, 'PointsWillExpire')).toHaveLength(0);
    expect(of(carol, 'balance_expiration_reminder')).toHaveLength(0);
    // Unit events: 36 credits and 24 spends, three events each, plus 20 expiries on the OL side.
    expect(ofType(received, 'balance_value_updated')).toHaveLength(60);
    expect(ofType(received, 'AvailablePointsAmountChanged')).toHaveLength(80);
    expect(ofType(received, 'WalletBalanceUpdated')).toHaveLength(80);
    expect(ofType(received, 'balance_value_expired')).toHaveLength(20);
    expect(ofType(received, 'PointsWillExpire')).toHaveLength(20);
    expect(ofType(received, 'balance_expiration_reminder')).toHaveLength(20);
    expect(received).toHaveLength(60 * 3 + 20 * 3 + 20 * 2);

    expect(await l.balance(ada.id)).toMatchObject({ available: 200, pending: 0, blocked: 0, spent: 360, expired: 640, earned: 1200 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 200, spent: 0, expired: 1000, earned: 1200 });
    expect(await l.balance(carol.id)).toMatchObject({ available: 0, spent: 1200, expired: 0, earned: 1200 });
    const adaBalance = await l.balance(ada.id);
    const lots = await l.all(`/v1/balances/${adaBalance.id}/lots`);
    expect(lots.map((lot) => lot.status)).toEqual([...Array(10).fill('expired'), 'active', 'active']);
    expect(lots.map((lot) => lot.expired)).toEqual([10, ...Array(9).fill(70), 0, 0]);
    expect(await l.check()).toEqual(consistent);
  });
});
