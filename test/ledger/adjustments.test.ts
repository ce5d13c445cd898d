import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, ledgerSnapshot, names, useLedgerHarness } from './support.ts';

/** Manual adjustments by an admin: add or deduct, always with a comment, completed at once. */

let h: Harness;
useLedgerHarness({ start: '2026-04-01T10:00:00.000Z' }, (made) => {
  h = made;
});

describe('POST /v1/ledger/adjustments', () => {
  it('adds and deducts with a comment: reasons add and deduct, source admin, the three unit events each', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.events();

    const add = await l.call('POST', '/v1/ledger/adjustments', { memberId: ada.id, kind: 'add', amount: 250, comment: 'goodwill after a late delivery' });
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json()).toMatchObject({ kind: 'credit', reason: 'add', amount: 250, status: 'completed', comment: 'goodwill after a late delivery' });
    const added = await l.events();
    expect(names(added)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(added[0].data).toMatchObject({ amountChange: 250, availableAmount: 250, reason: 'add', transferId: add.json().id });
    expect(added[1].data).toMatchObject({ amountChange: 250, reason: 'add', activeUnits: 250 });
    expect(added[2]).toMatchObject({ source: 'admin', created: true, initial_value: 0, value: 250, transaction: { type: 'credit', value: 250 } });

    const deduct = await l.call('POST', '/v1/ledger/adjustments', { memberId: ada.id, kind: 'deduct', amount: 100, comment: 'duplicate credit' });
    expect(deduct.statusCode, deduct.body).toBe(201);
    expect(deduct.json()).toMatchObject({ kind: 'debit', reason: 'deduct', amount: 100, comment: 'duplicate credit' });
    const deducted = await l.events();
    expect(names(deducted)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(deducted[0].data).toMatchObject({ amountChange: -100, availableAmount: 150, reason: 'deduct' });
    expect(deducted[2]).toMatchObject({ source: 'admin', initial_value: 250, value: 150, transaction: { type: 'debit', value: 100 } });

    // By subscription id too, and in another definition.
    const cashback = await l.define({ name: 'Cashback', unit: 'EUR' });
    const bySubscription = await l.call('POST', '/v1/ledger/adjustments',
      { loyaltySubscriptionId: ada.subscription.loyaltySubscriptionId, balanceDefinitionId: cashback.id, kind: 'add', amount: 1999, comment: 'refund' });
    expect(bySubscription.statusCode, bySubscription.body).toBe(201);
    const cash = await l.events();
    expect(cash[0].data).toMatchObject({ walletType: { id: cashback.id, name: 'Cashback', unit: 'EUR' }, amountChange: 1999 });
    expect(await l.balanceOf(ada.id, cashback.id)).toMatchObject({ available: 1999, balanceDefinition: { unit: 'EUR', decimals: 2 } });

    const history = await l.all(`/v1/balances/${add.json().balanceId}/transactions`);
    expect(history.map((t) => [t.kind, t.reason, t.amount, t.comment])).toEqual([
      ['credit', 'add', 250, 'goodwill after a late delivery'], ['debit', 'deduct', 100, 'duplicate credit']]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 150, spent: 100, earned: 250 });
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });

  it('requires a comment and a known kind; a deduction beyond the balance is refused with balance_transaction_unauthorized', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 50);
    await l.events();
    const before = await ledgerSnapshot(h.db);
    for (const [body, field] of [
      [{ memberId: ada.id, kind: 'add', amount: 10 }, '/comment'],
      [{ memberId: ada.id, kind: 'add', amount: 10, comment: '' }, '/comment'],
      [{ memberId: ada.id, kind: 'add', amount: 10, comment: 42 }, '/comment'],
      [{ memberId: ada.id, kind: 'add', amount: 10, comment: 'x'.repeat(1001) }, '/comment'],
      [{ memberId: ada.id, kind: 'credit', amount: 10, comment: 'c' }, '/kind'],
      [{ memberId: ada.id, amount: 10, comment: 'c' }, '/kind'],
      [{ memberId: ada.id, kind: 'add', amount: 10, comment: 'c', reason: 'campaign' }, '/reason'],
      [{ memberId: ada.id, kind: 'add', amount: 10, comment: 'c', autoComplete: false }, '/autoComplete'],
    ] as const) {
      const response = await l.call('POST', '/v1/ledger/adjustments', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().errors.map((e: any) => e.field), JSON.stringify(body)).toContain(field);
    }
    expect(await ledgerSnapshot(h.db)).toEqual(before);

    const tooMuch = await l.call('POST', '/v1/ledger/adjustments', { memberId: ada.id, kind: 'deduct', amount: 51, comment: 'c' });
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json().type).toBe('/problems/insufficient-balance');
    const refusal = await l.events();
    expect(names(refusal)).toEqual(['balance_transaction_unauthorized']);
    expect(refusal[0]).toMatchObject({ source: 'admin', reason: 'Amount falls below available balance amount', transaction: { type: 'debit', value: 51 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 50 });
  });
});
