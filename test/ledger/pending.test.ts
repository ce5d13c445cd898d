import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, ledgerSnapshot, names, useLedgerHarness } from './support.ts';

/**
 * Pending units: the definition's pending period and scheduled credits (a balance order with
 * `availableAt`). Credited units wait, pending (WalletBalanceUpdated says so; the available
 * amount does not move), then become available at their time through the scheduler — played
 * here with the sandbox clock — or earlier by hand.
 */

let h: Harness;
useLedgerHarness({ start: '2026-03-10T09:30:00.000Z' }, (made) => {
  h = made;
});

const consistent = { consistent: true, differences: [] };

describe('pending period', () => {
  it('credited units stay pending for the definition\'s days, then become available with the three unit events (reason activate)', async () => {
    const l = await ledgerProgram(h, { pendingDays: 3 });
    const ada = await l.member('ada@example.com');
    await l.events();
    const now = await l.now();

    const credit = await l.credit(ada.id, 200);
    expect(credit.statusCode, credit.body).toBe(201);
    const dueAt = new Date(now.getTime() + 3 * 86_400_000).toISOString();
    expect(credit.json()).toMatchObject({ status: 'completed', amount: 200, availableAt: dueAt });
    const pending = await l.events();
    // The wallet changed (pending units), the available amount and the balance value did not.
    expect(names(pending)).toEqual(['WalletBalanceUpdated']);
    expect(pending[0].data).toMatchObject({ amountChange: 0, reason: 'add', transferId: credit.json().id, activeUnits: 0, pendingUnits: 200, blockedUnits: 0 });
    const balance = await l.balance(ada.id);
    expect(balance).toMatchObject({ available: 0, pending: 200, earned: 200, spent: 0 });
    const [lot] = await l.all(`/v1/balances/${balance.id}/lots`);
    expect(lot).toMatchObject({ status: 'pending', amount: 200, remaining: 200, availableFrom: dueAt, transactionId: credit.json().id });

    // Pending units cannot be spent.
    const spend = await l.debit(ada.id, 1);
    expect(spend.statusCode).toBe(422);
    expect(spend.json().type).toBe('/problems/insufficient-balance');
    expect(names(await l.events())).toEqual(['balance_transaction_unauthorized']);

    await l.advance({ by: 'P2D' });
    expect(await l.events()).toEqual([]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, pending: 200 });

    const played = await l.advance({ by: 'P1D' });
    expect(played.jobsRun).toBe(1);
    const activated = await l.events();
    expect(names(activated)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(activated[0]).toMatchObject({ timestamp: dueAt, data: { amountChange: 200, availableAmount: 200, reason: 'activate', transferId: null } });
    expect(activated[1].data).toMatchObject({ amountChange: 200, reason: 'activate', activeUnits: 200, pendingUnits: 0, blockedUnits: 0 });
    // The first change of the balance's value: created is true although the pending credit made the balance.
    expect(activated[2]).toMatchObject({ source: 'scheduler', created: true, initial_value: 0, value: 200, transaction: { type: 'credit', value: 200 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 200, pending: 0, earned: 200 });
    expect((await l.all(`/v1/balances/${balance.id}/lots`))[0]).toMatchObject({ status: 'active', availableFrom: dueAt });
    expect((await l.debit(ada.id, 200)).statusCode).toBe(201);
    expect(await l.check()).toEqual(consistent);
  });

  it('counts the pending days in the program\'s calendar: across a daylight-saving change the units come at the same local time', async () => {
    const l = await ledgerProgram(h, { pendingDays: 3 });
    const ada = await l.member('ada@example.com');
    // Friday 27 March 2026, 10:00 in Paris (UTC+1); summer time starts on Sunday the 29th.
    await l.advance({ to: '2026-03-27T09:00:00.000Z' });
    const credit = await l.credit(ada.id, 10);
    // Monday 30 March, 10:00 in Paris (UTC+2) — not 11:00.
    expect(credit.json().availableAt).toBe('2026-03-30T08:00:00.000Z');
    await l.advance({ to: '2026-03-30T07:59:59.999Z' });
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, pending: 10 });
    await l.advance({ to: '2026-03-30T08:00:00.000Z' });
    expect(await l.balance(ada.id)).toMatchObject({ available: 10, pending: 0 });
    await l.events();
  });

  it('a pending credit that is reversed before its time never becomes available; its activation finds nothing', async () => {
    const l = await ledgerProgram(h, { pendingDays: 5 });
    const ada = await l.member('ada@example.com');
    const credit = await l.credit(ada.id, 80);
    await l.events();
    const reversed = await l.call('POST', `/v1/ledger/transactions/${credit.json().id}/reverse`, { comment: 'order returned' });
    expect(reversed.statusCode, reversed.body).toBe(201);
    expect(reversed.json()).toMatchObject({ kind: 'debit', reason: 'cancel', reversesId: credit.json().id, amount: 80, comment: 'order returned' });
    const events = await l.events();
    expect(names(events)).toEqual(['WalletBalanceUpdated']);
    expect(events[0].data).toMatchObject({ amountChange: 0, reason: 'cancel', pendingUnits: 0, activeUnits: 0 });
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, pending: 0, earned: 0 });
    await l.advance({ by: 'P6D' });
    expect(await l.events()).toEqual([]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, pending: 0, earned: 0 });
    expect(await l.check()).toEqual(consistent);
  });
});

describe('scheduled credit (availableAt)', () => {
  it('makes the units available at the due time, each moment with its own events, and the expiry runs from then', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 30, unit: 'day', alignment: 'none' } });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 40);
    await l.events();
    const now = await l.now();
    const first = new Date(now.getTime() + 5 * 86_400_000 + 3_600_000).toISOString();
    const second = new Date(now.getTime() + 12 * 86_400_000).toISOString();

    const a = await l.credit(ada.id, 150, { availableAt: first });
    expect(a.statusCode, a.body).toBe(201);
    expect(a.json()).toMatchObject({ status: 'completed', availableAt: first });
    const b = await l.credit(ada.id, 50, { availableAt: second });
    const scheduled = await l.events();
    expect(names(scheduled)).toEqual(['WalletBalanceUpdated', 'WalletBalanceUpdated']);
    expect(scheduled.map((e) => e.data.pendingUnits)).toEqual([150, 200]);
    expect(scheduled.map((e) => e.data.activeUnits)).toEqual([40, 40]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 40, pending: 200, earned: 240 });
    const balance = await l.balance(ada.id);
    const lots = await l.all(`/v1/balances/${balance.id}/lots?status=pending`);
    // 30 calendar days after they become available, in Paris: summer time starts in between.
    const plus30 = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Paris' }).plus({ days: 30 }).toUTC().toISO();
    expect(plus30(first)).toBe('2026-04-14T09:30:00.000Z');
    expect(lots.map((lot) => [lot.transactionId, lot.availableFrom, lot.expiresAt])).toEqual([
      [a.json().id, first, plus30(first)],
      [b.json().id, second, plus30(second)],
    ]);

    // One millisecond before: nothing. At the due time: the first lot.
    await l.advance({ to: new Date(new Date(first).getTime() - 1).toISOString() });
    expect(await l.events()).toEqual([]);
    await l.advance({ to: first });
    const firstEvents = await l.events();
    expect(names(firstEvents)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(firstEvents[0].data).toMatchObject({ amountChange: 150, availableAmount: 190, reason: 'activate' });
    expect(firstEvents[1].data).toMatchObject({ activeUnits: 190, pendingUnits: 50 });
    expect(firstEvents[2]).toMatchObject({ created: false, initial_value: 40, value: 190, transaction: { type: 'credit', value: 150 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 190, pending: 50 });

    await l.advance({ by: 'P7D' });
    const secondEvents = await l.events();
    expect(names(secondEvents)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(secondEvents[0].data).toMatchObject({ amountChange: 50, availableAmount: 240, reason: 'activate' });
    expect(await l.balance(ada.id)).toMatchObject({ available: 240, pending: 0, earned: 240 });
    expect(await l.check()).toEqual(consistent);
  });

  it('a due time already past credits at once; a debit cannot be scheduled', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.events();
    const past = new Date((await l.now()).getTime() - 86_400_000).toISOString();
    const credit = await l.credit(ada.id, 25, { availableAt: past });
    expect(credit.statusCode).toBe(201);
    expect(await l.balance(ada.id)).toMatchObject({ available: 25, pending: 0 });
    expect(names(await l.events())).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);

    const before = await ledgerSnapshot(h.db);
    const debit = await l.debit(ada.id, 5, { availableAt: new Date((await l.now()).getTime() + 86_400_000).toISOString() });
    expect(debit.statusCode).toBe(422);
    expect(debit.json().errors[0].field).toBe('/availableAt');
    expect(await ledgerSnapshot(h.db)).toEqual(before);
  });
});

describe('manual activation', () => {
  it('POST /v1/ledger/lots/:id/activate makes a pending lot available now; the scheduled activation then has nothing to do', async () => {
    const l = await ledgerProgram(h, { pendingDays: 7 });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    await l.credit(ada.id, 60);
    await l.events();
    const balance = await l.balance(ada.id);
    const [lot, other] = await l.all(`/v1/balances/${balance.id}/lots`);

    const activated = await l.call('POST', `/v1/ledger/lots/${lot.id}/activate`);
    expect(activated.statusCode, activated.body).toBe(200);
    const now = (await l.now()).toISOString();
    expect(activated.json()).toMatchObject({ id: lot.id, status: 'active', remaining: 100, availableFrom: now });
    const events = await l.events();
    expect(names(events)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(events[0].data).toMatchObject({ amountChange: 100, availableAmount: 100, reason: 'activate', transferId: null });
    expect(events[1].data).toMatchObject({ activeUnits: 100, pendingUnits: 60 });
    expect(events[2]).toMatchObject({ source: 'admin', created: true, initial_value: 0, value: 100, transaction: { type: 'credit', value: 100 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 100, pending: 60 });

    // Only a pending lot can be activated; an unknown one is not found.
    const again = await l.call('POST', `/v1/ledger/lots/${lot.id}/activate`);
    expect(again.statusCode).toBe(409);
    const unknown = await l.call('POST', '/v1/ledger/lots/019c0000-0000-7000-8000-000000000000/activate');
    expect(unknown.statusCode).toBe(404);
    // A pending lot cannot be expired early.
    expect((await l.call('POST', `/v1/ledger/lots/${other.id}/expire`)).statusCode).toBe(409);
    expect(await l.events()).toEqual([]);

    // At the due time only the other lot becomes available: one set of events.
    await l.advance({ by: 'P7D' });
    const due = await l.events();
    expect(names(due)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(due[0].data).toMatchObject({ amountChange: 60, availableAmount: 160, reason: 'activate' });
    expect(await l.balance(ada.id)).toMatchObject({ available: 160, pending: 0, earned: 160 });
    expect(await l.check()).toEqual(consistent);
  });
});
