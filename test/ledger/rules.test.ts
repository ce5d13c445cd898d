import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, ledgerSnapshot, names, useLedgerHarness } from './support.ts';

/**
 * The rules of a balance definition in action, through the API: maximum (strict and partial),
 * per-operation caps, rounding, minimum, velocity limits, and members who may not move units.
 * Each refusal answers a 4xx problem and fires balance_transaction_unauthorized with the
 * reason wording of the Brevo reference; nothing else changes.
 */

let h: Harness;
useLedgerHarness({ start: '2026-03-02T09:00:00.000Z' }, (made) => {
  h = made;
});

const consistent = { consistent: true, differences: [] };

describe('maximum balance', () => {
  it('strict: a credit passing the maximum is refused (422, balance_transaction_unauthorized + balance_maximum_value_reached); one reaching it exactly fires balance_maximum_value_reached', async () => {
    const l = await ledgerProgram(h, { maximum: 1000, maximumStrategy: 'strict' });
    const ada = await l.member('ada@example.com');
    expect((await l.credit(ada.id, 800)).statusCode).toBe(201);
    await l.events();

    const before = await ledgerSnapshot(h.db);
    const refused = await l.credit(ada.id, 300);
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ type: '/problems/balance-maximum', status: 422,
      detail: 'Amount falls above maximum balance amount limit', errors: [{ field: '/amount' }] });
    const events = await l.events();
    expect(names(events)).toEqual(['balance_transaction_unauthorized', 'balance_maximum_value_reached']);
    expect(events[0]).toMatchObject({ reason: 'Amount falls above maximum balance amount limit',
      transaction: { type: 'credit', value: 300 }, balance_definition: { id: l.definition.id }, source: 'api' });
    expect(events[1]).toMatchObject({ value: 800, balance_definition: { id: l.definition.id }, source_event_id: null });
    // Only the two events were added: no transaction, lot or figure changed.
    const after = await ledgerSnapshot(h.db);
    expect({ ...after, events: after.events.length }).toEqual({ ...before, events: before.events.length + 2 });
    expect(await l.balance(ada.id)).toMatchObject({ available: 800, earned: 800 });

    // Exactly up to the maximum: credited, and the maximum is reached.
    const fill = await l.credit(ada.id, 200);
    expect(fill.json()).toMatchObject({ amount: 200, status: 'completed' });
    const filled = await l.events();
    expect(names(filled)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'balance_maximum_value_reached']);
    expect(filled[3]).toMatchObject({ value: 1000 });

    // A full balance refuses even one more unit; a debit is not affected.
    expect((await l.credit(ada.id, 1)).statusCode).toBe(422);
    expect(names(await l.events())).toEqual(['balance_transaction_unauthorized', 'balance_maximum_value_reached']);
    expect((await l.debit(ada.id, 1)).statusCode).toBe(201);
    expect(names(await l.events())).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(await l.balance(ada.id)).toMatchObject({ available: 999, earned: 1000, spent: 1 });
    expect(await l.check()).toEqual(consistent);
  });

  it('partial: a credit passing the maximum credits what fits and fires balance_maximum_value_reached; a full balance refuses', async () => {
    const l = await ledgerProgram(h, { maximum: 1000, maximumStrategy: 'partial' });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 800);
    await l.events();

    const cut = await l.credit(ada.id, 300);
    expect(cut.statusCode, cut.body).toBe(201);
    expect(cut.json()).toMatchObject({ kind: 'credit', amount: 200, status: 'completed' });
    const events = await l.events();
    expect(names(events)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'balance_maximum_value_reached']);
    expect(events[0].data).toMatchObject({ amountChange: 200, availableAmount: 1000, reason: 'add', transferId: cut.json().id });
    expect(events[1].data).toMatchObject({ amountChange: 200, activeUnits: 1000, pendingUnits: 0, blockedUnits: 0 });
    expect(events[2]).toMatchObject({ initial_value: 800, value: 1000, transaction: { type: 'credit', value: 200 } });
    expect(events[3]).toMatchObject({ value: 1000 });

    const full = await l.credit(ada.id, 50);
    expect(full.statusCode).toBe(422);
    expect(full.json().type).toBe('/problems/balance-maximum');
    const refusal = await l.events();
    expect(names(refusal)).toEqual(['balance_transaction_unauthorized', 'balance_maximum_value_reached']);
    expect(refusal[0]).toMatchObject({ reason: 'Amount falls above maximum balance amount limit', transaction: { type: 'credit', value: 50 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 1000, earned: 1000 });
    expect(await l.check()).toEqual(consistent);
  });

  it('the maximum counts pending units too', async () => {
    const l = await ledgerProgram(h, { maximum: 100, pendingDays: 2 });
    const ada = await l.member('ada@example.com');
    expect((await l.credit(ada.id, 80)).statusCode).toBe(201);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, pending: 80 });
    const refused = await l.credit(ada.id, 30);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().type).toBe('/problems/balance-maximum');
  });
});

describe('per-operation caps', () => {
  it('refuse a credit or a debit above the cap with the seed wording, and allow one at the cap', async () => {
    const l = await ledgerProgram(h, { creditCap: 500, debitCap: 200 });
    const ada = await l.member('ada@example.com');
    await l.events();

    const tooMuch = await l.credit(ada.id, 501);
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json()).toMatchObject({ type: '/problems/credit-cap', errors: [{ field: '/amount' }] });
    const creditRefusal = await l.events();
    expect(names(creditRefusal)).toEqual(['balance_transaction_unauthorized']);
    expect(creditRefusal[0]).toMatchObject({ reason: 'Amount falls above maximum credit amount per operation', transaction: { type: 'credit', value: 501 } });

    // The refusal came first, but this is the balance's first change of value: created is true.
    expect((await l.credit(ada.id, 500)).statusCode).toBe(201);
    expect((await l.events()).find((e) => e.event_name === 'balance_value_updated')).toMatchObject({ created: true, initial_value: 0, value: 500 });
    const tooBig = await l.debit(ada.id, 201);
    expect(tooBig.statusCode).toBe(422);
    expect(tooBig.json().type).toBe('/problems/debit-cap');
    const debitRefusal = await l.events();
    expect(names(debitRefusal)).toEqual(['balance_transaction_unauthorized']);
    expect(debitRefusal[0]).toMatchObject({ reason: 'Amount falls above maximum debit amount per operation', transaction: { type: 'debit', value: 201 } });

    expect((await l.debit(ada.id, 200)).statusCode).toBe(201);
    expect(await l.balance(ada.id)).toMatchObject({ available: 300, spent: 200, earned: 500 });
    expect(await l.check()).toEqual(consistent);
  });

  it('a pending transaction is held against the cap again when it completes', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const pending = await l.call('POST', '/v1/ledger/transactions', { memberId: ada.id, kind: 'credit', amount: 400 });
    expect(pending.json().status).toBe('pending');
    expect((await l.call('PATCH', `/v1/balance-definitions/${l.definition.id}`, { creditCap: 300 })).statusCode).toBe(200);
    await l.events();
    const refused = await l.call('POST', `/v1/ledger/transactions/${pending.json().id}/complete`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().type).toBe('/problems/credit-cap');
    expect(names(await l.events())).toEqual(['balance_transaction_unauthorized']);
    expect((await l.call('GET', `/v1/ledger/transactions/${pending.json().id}`)).json().status).toBe('pending');
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, earned: 0 });
  });
});

describe('rounding', () => {
  it('rounds credits and debits down, up or to the nearest step before they apply', async () => {
    const l = await ledgerProgram(h, { creditRounding: { mode: 'down', step: 10 }, debitRounding: { mode: 'up', step: 5 } });
    const up = await l.define({ name: 'Up', creditRounding: { mode: 'up', step: 10 } });
    const nearest = await l.define({ name: 'Nearest', creditRounding: { mode: 'nearest', step: 10 }, debitRounding: { mode: 'nearest', step: 25 } });
    const ada = await l.member('ada@example.com');
    await l.events();

    const down = await l.credit(ada.id, 109);
    expect(down.json()).toMatchObject({ amount: 100, status: 'completed' });
    const downEvents = await l.events();
    expect(downEvents[0].data).toMatchObject({ amountChange: 100 });
    expect(downEvents[2]).toMatchObject({ transaction: { type: 'credit', value: 100 }, value: 100 });
    expect((await l.debit(ada.id, 21)).json().amount).toBe(25); // debit rounded up to 25
    expect((await l.debit(ada.id, 25)).json().amount).toBe(25); // already a multiple
    expect(await l.balance(ada.id)).toMatchObject({ available: 50, spent: 50 });

    expect((await l.credit(ada.id, 101, { balanceDefinitionId: up.id })).json().amount).toBe(110);
    expect((await l.credit(ada.id, 110, { balanceDefinitionId: up.id })).json().amount).toBe(110);
    expect((await l.balanceOf(ada.id, up.id))).toMatchObject({ available: 220 });

    expect((await l.credit(ada.id, 104, { balanceDefinitionId: nearest.id })).json().amount).toBe(100);
    expect((await l.credit(ada.id, 105, { balanceDefinitionId: nearest.id })).json().amount).toBe(110); // half goes up
    expect((await l.credit(ada.id, 16, { balanceDefinitionId: nearest.id })).json().amount).toBe(20);
    expect((await l.debit(ada.id, 37, { balanceDefinitionId: nearest.id })).json().amount).toBe(25);
    expect((await l.debit(ada.id, 38, { balanceDefinitionId: nearest.id })).json().amount).toBe(50);
    expect((await l.balanceOf(ada.id, nearest.id))).toMatchObject({ available: 155, spent: 75, earned: 230 });
    await l.events();

    // Rounded down to nothing: refused, nothing moves.
    const zero = await l.credit(ada.id, 9);
    expect(zero.statusCode).toBe(422);
    expect(zero.json().type).toBe('/problems/amount-rounded-to-zero');
    const zeroEvents = await l.events();
    expect(names(zeroEvents)).toEqual(['balance_transaction_unauthorized']);
    expect(zeroEvents[0]).toMatchObject({ reason: 'Amount is zero after rounding', transaction: { type: 'credit', value: 9 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 50 });
    // A debit rounded up beyond what is available is refused as insufficient.
    const over = await l.debit(ada.id, 46); // 50 after rounding: fits
    expect(over.json().amount).toBe(50);
    expect((await l.debit(ada.id, 1)).json().type).toBe('/problems/insufficient-balance');
    expect(await l.check()).toEqual(consistent);
  });
});

describe('minimum', () => {
  it('fires balance_minimum_value_reached when a completed change brings the balance to or under the minimum, once per crossing', async () => {
    const l = await ledgerProgram(h, { minimum: 100 });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 500);
    await l.events();

    await l.debit(ada.id, 350); // 150: above
    expect(names(await l.events())).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);

    await l.debit(ada.id, 50); // 100: reaches it
    const reached = await l.events();
    expect(names(reached)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'balance_minimum_value_reached']);
    expect(reached[3]).toMatchObject({ value: 100, balance_definition: { id: l.definition.id, name: 'Points' }, loyalty_program: { id: l.program.id } });

    await l.debit(ada.id, 30); // 70: still under, no second event
    expect(names(await l.events())).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    await l.credit(ada.id, 20); // 90: a credit under the minimum does not fire it either
    expect(names(await l.events())).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    await l.credit(ada.id, 110); // 200: above again
    await l.events();
    await l.debit(ada.id, 200); // 0: under it again, a new crossing
    const again = await l.events();
    expect(names(again)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'balance_minimum_value_reached']);
    expect(again[3]).toMatchObject({ value: 0 });
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, spent: 630, earned: 630 });
    expect(await l.check()).toEqual(consistent);
  });

  it('an expiry or a block bringing the balance to or under the minimum fires it too', async () => {
    const l = await ledgerProgram(h, { minimum: 50, expiry: { kind: 'duration', amount: 5, unit: 'day' }, reminderDaysBefore: 0 });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 80);
    await l.advance({ by: 'P2D' });
    await l.credit(ada.id, 40);
    await l.events();
    await l.advance({ by: 'P3D' }); // the 80 expire: 40 left, under 50
    const expired = await l.events();
    expect(names(expired)).toEqual(['balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_minimum_value_reached']);
    expect(expired[3]).toMatchObject({ value: 40, source: 'scheduler', source_event_id: null });
    await l.credit(ada.id, 30); // 70
    await l.events();
    const block = await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 25 }); // 45
    expect(names(await l.events())).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'balance_minimum_value_reached']);
    await l.call('POST', `/v1/ledger/blocks/${block.json().id}/release`); // 70
    expect(names(await l.events())).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(await l.check()).toEqual(consistent);
  });
});

describe('velocity limits', () => {
  it('count in a sliding window: the third debit within a day is refused (429) until the first one leaves the window', async () => {
    const l = await ledgerProgram(h, { velocityLimits: [{ direction: 'debit', measure: 'count', limit: 2, period: 'day', window: 'sliding' }] });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 1000);
    await l.credit(ada.id, 1000); // credits are not limited
    expect((await l.debit(ada.id, 10)).statusCode).toBe(201);
    h.clock.advance(3_600_000);
    expect((await l.debit(ada.id, 10)).statusCode).toBe(201);
    await l.events();

    const third = await l.debit(ada.id, 10);
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ type: '/problems/velocity-limit', status: 429 });
    const refusal = await l.events();
    expect(names(refusal)).toEqual(['balance_transaction_unauthorized']);
    expect(refusal[0]).toMatchObject({ reason: 'Transaction exceeds velocity limit', transaction: { type: 'debit', value: 10 } });

    h.clock.advance(22 * 3_600_000); // 23 hours after the first: still two in the last day
    expect((await l.debit(ada.id, 10)).statusCode).toBe(429);
    h.clock.advance(3_600_000 + 1); // the first is now more than a day old
    expect((await l.debit(ada.id, 10)).statusCode).toBe(201);
    expect((await l.debit(ada.id, 10)).statusCode).toBe(429);
    // A reversal does not count as one more debit, and a reversed debit still counted when it happened.
    expect(await l.balance(ada.id)).toMatchObject({ available: 1970, spent: 30 });
    expect(await l.check()).toEqual(consistent);
  });

  it('amount in a calendar day (program time): the window restarts at local midnight, and a credit at midnight is in the new day', async () => {
    const l = await ledgerProgram(h, { velocityLimits: [{ direction: 'credit', measure: 'amount', limit: 500, period: 'day', window: 'calendar' }] });
    const ada = await l.member('ada@example.com');
    expect((await l.credit(ada.id, 300)).statusCode).toBe(201);
    const over = await l.credit(ada.id, 201);
    expect(over.statusCode).toBe(429);
    expect(over.json().type).toBe('/problems/velocity-limit');
    expect((await l.credit(ada.id, 200)).statusCode).toBe(201); // exactly 500 in the day
    expect((await l.credit(ada.id, 1)).statusCode).toBe(429);

    // Midnight in Paris, to the millisecond: a new calendar day.
    const midnight = DateTime.fromJSDate(h.clock.now(), { zone: 'Europe/Paris' }).plus({ days: 1 }).startOf('day');
    h.clock.set(midnight.toJSDate());
    expect((await l.credit(ada.id, 500)).statusCode).toBe(201);
    // ...and that credit, made at the very first instant of the day, counts in it.
    const next = await l.credit(ada.id, 1);
    expect(next.statusCode, next.body).toBe(429);
    h.clock.advance(23 * 3_600_000);
    expect((await l.credit(ada.id, 1)).statusCode).toBe(429);
    h.clock.advance(3_600_000); // next midnight
    expect((await l.credit(ada.id, 400)).statusCode).toBe(201);
    expect(await l.balance(ada.id)).toMatchObject({ available: 1400, earned: 1400 });
    await l.events();
  });

  it('count in a calendar week and amount in a sliding hour, together; a refused transaction does not use the allowance', async () => {
    const l = await ledgerProgram(h, { velocityLimits: [
      { direction: 'credit', measure: 'count', limit: 3, period: 'week', window: 'calendar' },
      { direction: 'credit', measure: 'amount', limit: 100, period: 'hour', window: 'sliding' },
    ] });
    const ada = await l.member('ada@example.com');
    // Start of a calendar week (Monday, program time) plus a little.
    const monday = DateTime.fromJSDate(h.clock.now(), { zone: 'Europe/Paris' }).plus({ weeks: 1 }).startOf('week').plus({ hours: 9 });
    h.clock.set(monday.toJSDate());
    expect((await l.credit(ada.id, 60)).statusCode).toBe(201);
    expect((await l.credit(ada.id, 50)).statusCode).toBe(429); // 110 in the hour
    expect((await l.credit(ada.id, 40)).statusCode).toBe(201); // 100 in the hour
    h.clock.advance(3_600_000 + 1);
    expect((await l.credit(ada.id, 100)).statusCode).toBe(201); // third of the week
    h.clock.advance(3_600_000 + 1);
    expect((await l.credit(ada.id, 1)).statusCode).toBe(429); // fourth of the week
    h.clock.advance(7 * 86_400_000); // the next Monday, late morning
    expect((await l.credit(ada.id, 1)).statusCode).toBe(201);
    expect(await l.balance(ada.id)).toMatchObject({ available: 201 });
    await l.events();
  });

  it('applies at completion too: a pending debit completed once the window is full is refused', async () => {
    const l = await ledgerProgram(h, { velocityLimits: [{ direction: 'debit', measure: 'count', limit: 1, period: 'month', window: 'calendar' }] });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    const pending = await l.call('POST', '/v1/ledger/transactions', { memberId: ada.id, kind: 'debit', amount: 10 });
    expect(pending.statusCode).toBe(201);
    expect((await l.debit(ada.id, 10)).statusCode).toBe(201);
    await l.events();
    const complete = await l.call('POST', `/v1/ledger/transactions/${pending.json().id}/complete`);
    expect(complete.statusCode).toBe(429);
    expect(names(await l.events())).toEqual(['balance_transaction_unauthorized']);
    expect(await l.balance(ada.id)).toMatchObject({ available: 90, spent: 10 });
  });
});

describe('members who may not move units', () => {
  it('a deactivated member is refused (409, balance_transaction_unauthorized) for credits and debits', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    expect((await l.call('POST', `/v1/members/${ada.id}/deactivate`)).statusCode).toBe(200);
    await l.events();

    const before = await ledgerSnapshot(h.db);
    const credit = await l.credit(ada.id, 10);
    expect(credit.statusCode).toBe(409);
    expect(credit.json()).toMatchObject({ type: '/problems/member-inactive', detail: 'Contact is not active in the loyalty program', errors: [{ field: '/memberId' }] });
    const debit = await l.debit(ada.id, 10);
    expect(debit.statusCode).toBe(409);
    const events = await l.events();
    expect(names(events)).toEqual(['balance_transaction_unauthorized', 'balance_transaction_unauthorized']);
    expect(events[0]).toMatchObject({ reason: 'Contact is not active in the loyalty program', transaction: { type: 'credit', value: 10 } });
    expect(events[1]).toMatchObject({ reason: 'Contact is not active in the loyalty program', transaction: { type: 'debit', value: 10 } });
    const after = await ledgerSnapshot(h.db);
    expect({ ...after, events: after.events.length }).toEqual({ ...before, events: before.events.length + 2 });

    // Reactivated, they move units again.
    expect((await l.call('POST', `/v1/members/${ada.id}/reactivate`)).statusCode).toBe(200);
    expect((await l.debit(ada.id, 10)).statusCode).toBe(201);
    expect(await l.balance(ada.id)).toMatchObject({ available: 90 });
  });

  it('a revoked subscription is refused (409) by member or by subscription id, and nothing changes', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    const subscriptionId = ada.subscription.loyaltySubscriptionId;
    const pending = await l.call('POST', '/v1/ledger/transactions', { memberId: ada.id, kind: 'debit', amount: 5 });
    expect((await l.call('POST', `/v1/subscriptions/${subscriptionId}/revoke`)).statusCode).toBe(200);
    await l.events();

    const before = await ledgerSnapshot(h.db);
    const byMember = await l.credit(ada.id, 10);
    expect(byMember.statusCode).toBe(409);
    expect(byMember.json().type).toBe('/problems/subscription-revoked');
    const bySubscription = await l.call('POST', '/v1/ledger/transactions',
      { loyaltySubscriptionId: subscriptionId, kind: 'debit', amount: 10, autoComplete: true });
    expect(bySubscription.statusCode).toBe(409);
    expect(bySubscription.json().type).toBe('/problems/subscription-revoked');
    const completing = await l.call('POST', `/v1/ledger/transactions/${pending.json().id}/complete`);
    expect(completing.statusCode).toBe(409);
    expect(completing.json().type).toBe('/problems/subscription-revoked');
    const block = await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 10 });
    expect(block.statusCode).toBe(409);
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await l.events()).toEqual([]);
  });
});
