import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, names, useLedgerHarness } from './support.ts';

let h: Harness;
useLedgerHarness({ start: '2026-03-01T09:00:00.000Z' }, (made) => {
  h = made;
});

describe('credits and debits', () => {
  it('credits and spends with the three unit events each, and keeps figures equal to the lots', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.events();

    const credit = await l.credit(ada.id, 500);
    expect(credit.statusCode, credit.body).toBe(201);
    expect(credit.json()).toMatchObject({ kind: 'credit', amount: 500, status: 'completed', reason: 'add' });
    const afterCredit = await l.events();
    expect(names(afterCredit)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(afterCredit[0].data).toMatchObject({ amountChange: 500, availableAmount: 500, reason: 'add', transferId: credit.json().id });
    expect(afterCredit[2]).toMatchObject({ created: true, initial_value: 0, value: 500, transaction: { type: 'credit', value: 500 },
      balance_definition: { id: l.definition.id, name: 'Points', unit: 'points' } });

    const spend = await l.debit(ada.id, 120);
    expect(spend.statusCode, spend.body).toBe(201);
    const afterSpend = await l.events();
    expect(afterSpend[0].data).toMatchObject({ amountChange: -120, availableAmount: 380, reason: 'spend' });
    expect(afterSpend[2]).toMatchObject({ created: false, initial_value: 500, value: 380, transaction: { type: 'debit', value: 120 } });

    expect(await l.balance(ada.id)).toMatchObject({ available: 380, pending: 0, blocked: 0, spent: 120, earned: 500, expired: 0 });
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });

  it('refuses a debit beyond the available units, fires balance_transaction_unauthorized, and changes nothing', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    await l.events();
    const refused = await l.debit(ada.id, 101);
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ type: '/problems/insufficient-balance', errors: [{ field: '/amount' }] });
    const events = await l.events();
    expect(names(events)).toEqual(['balance_transaction_unauthorized']);
    expect(events[0]).toMatchObject({ transaction: { type: 'debit', value: 101 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 100, spent: 0 });
  });

  it('two-phase: a pending transaction leaves the balance unchanged until completed; completing twice is refused', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const pending = await l.call('POST', '/v1/ledger/transactions', { memberId: ada.id, kind: 'credit', amount: 300 });
    expect(pending.json().status).toBe('pending');
    expect((await l.balance(ada.id)).available).toBe(0);
    const done = await l.call('POST', `/v1/ledger/transactions/${pending.json().id}/complete`);
    expect(done.json()).toMatchObject({ status: 'completed' });
    expect((await l.balance(ada.id)).available).toBe(300);
    const again = await l.call('POST', `/v1/ledger/transactions/${pending.json().id}/complete`);
    expect(again.statusCode).toBe(409);
    const cancel = await l.call('POST', `/v1/ledger/transactions/${pending.json().id}/cancel`);
    expect(cancel.statusCode).toBe(409);
  });

  it('cancels a pending transaction with balance_transaction_unauthorized, and expires one whose time-to-live ran out', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 50);
    await l.events();
    const first = await l.call('POST', '/v1/ledger/transactions', { memberId: ada.id, kind: 'debit', amount: 20 });
    const cancelled = await l.call('POST', `/v1/ledger/transactions/${first.json().id}/cancel`);
    expect(cancelled.json().status).toBe('cancelled');
    expect((await l.events()).map((e) => e.reason)).toEqual(['Transaction cancelled']);

    const second = await l.call('POST', '/v1/ledger/transactions', { memberId: ada.id, kind: 'debit', amount: 20, ttlSeconds: 600 });
    const advanced = await l.call('POST', `/v1/programs/${l.program.id}/clock/advance`, { by: 'PT11M' });
    expect(advanced.json().jobsRun).toBeGreaterThanOrEqual(1);
    const read = await l.call('GET', `/v1/ledger/transactions/${second.json().id}`);
    expect(read.json().status).toBe('expired');
    expect((await l.events()).map((e) => e.reason)).toEqual(['Transaction expired before completion']);
    expect((await l.balance(ada.id)).available).toBe(50);
  });

  it('spends soonest-expiring lots first and a reversal returns the exact units to the same lots', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 30, unit: 'day', alignment: 'none' } });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    h.clock.advance(86_400_000);
    await l.credit(ada.id, 100);
    const spend = await l.debit(ada.id, 150);
    const balance = await l.balance(ada.id);
    const lots = (await l.call('GET', `/v1/balances/${balance.id}/lots`)).json().data;
    expect(lots.map((lot: any) => lot.remaining)).toEqual([0, 50]);
    const reversal = await l.call('POST', `/v1/ledger/transactions/${spend.json().id}/reverse`);
    expect(reversal.statusCode, reversal.body).toBe(201);
    expect(reversal.json()).toMatchObject({ kind: 'credit', reason: 'cancel', reversesId: spend.json().id });
    const after = (await l.call('GET', `/v1/balances/${balance.id}/lots`)).json().data;
    expect(after.map((lot: any) => lot.remaining)).toEqual([100, 100]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 200, spent: 0 });
    expect((await l.call('POST', `/v1/ledger/transactions/${spend.json().id}/reverse`)).statusCode).toBe(409);
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });

  it('serialises concurrent spends on one balance: 200 spends of 1 against 100 give 100 successes and 100 refusals', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    const results = await Promise.all(Array.from({ length: 200 }, () => l.debit(ada.id, 1)));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 422)).toHaveLength(100);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, spent: 100 });
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });
});
