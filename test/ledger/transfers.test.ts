import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, ledgerSnapshot, names, useLedgerHarness } from './support.ts';

/**
 * Transfers between two members: one debit and one credit sharing a transfer id, the three
 * unit events twice (sender, then receiver); refusals; and cancelling a transfer, which gives
 * the units back to the sender only while the receiver still holds them.
 */

let h: Harness;
useLedgerHarness({ start: '2026-06-01T08:00:00.000Z' }, (made) => {
  h = made;
});

const consistent = { consistent: true, differences: [] };
/** Who an event is about, in either vocabulary. */
const about = (e: any) => e.data?.customer?.customerId ?? e.contact_id;

type Program = Awaited<ReturnType<typeof ledgerProgram>>;

/** A member registered and then made free of any subscription (their own is revoked), to join a household. */
async function freeMember(l: Program, email: string) {
  const member = await l.member(email);
  expect((await l.call('POST', `/v1/subscriptions/${member.subscription.loyaltySubscriptionId}/revoke`)).statusCode).toBe(200);
  return member;
}

describe('transfers between members', () => {
  it('moves units with one debit and one credit sharing a transfer id, and fires each unit event twice', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    await l.credit(ada.id, 100);
    await l.events();

    const transfer = await l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 40, comment: 'birthday gift' });
    expect(transfer.statusCode, transfer.body).toBe(201);
    const { transferId, debit, credit } = transfer.json();
    expect(debit).toMatchObject({ kind: 'debit', reason: 'transfer_out', amount: 40, status: 'completed', transferId, comment: 'birthday gift' });
    expect(credit).toMatchObject({ kind: 'credit', reason: 'transfer_in', amount: 40, status: 'completed', transferId, comment: 'birthday gift' });
    expect(debit.balanceId).toBe((await l.balance(ada.id)).id);
    expect(credit.balanceId).toBe((await l.balance(bob.id)).id);

    const events = await l.events();
    expect(names(events)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(events.map(about)).toEqual([ada.id, ada.id, ada.contactId, bob.id, bob.id, bob.contactId]);
    expect(events[0].data).toMatchObject({ amountChange: -40, availableAmount: 60, reason: 'transfer_out', transferId: debit.id });
    expect(events[1].data).toMatchObject({ amountChange: -40, activeUnits: 60, reason: 'transfer_out', transferId: debit.id });
    expect(events[2]).toMatchObject({ created: false, initial_value: 100, value: 60, transaction: { type: 'debit', value: 40 } });
    expect(events[3].data).toMatchObject({ amountChange: 40, availableAmount: 40, reason: 'transfer_in', transferId: credit.id });
    expect(events[4].data).toMatchObject({ amountChange: 40, activeUnits: 40, reason: 'transfer_in', transferId: credit.id });
    expect(events[5]).toMatchObject({ created: true, initial_value: 0, value: 40, transaction: { type: 'credit', value: 40 } });

    expect(await l.balance(ada.id)).toMatchObject({ available: 60, spent: 40, earned: 100 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 40, spent: 0, earned: 40 });
    expect(await l.check()).toEqual(consistent);
  });

  it('refuses: insufficient units, an inactive receiver or sender, the same member, unknown members, a shared household balance, a receiver without subscription', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    const carol = await freeMember(l, 'carol@example.com');
    expect((await l.call('POST', `/v1/subscriptions/${ada.subscription.loyaltySubscriptionId}/members`, { memberIds: [carol.id] })).statusCode).toBe(200);
    const dan = await freeMember(l, 'dan@example.com');
    await l.credit(ada.id, 60);
    await l.credit(bob.id, 5);
    await l.events();
    const transfer = (body: Record<string, unknown>) => l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 10, ...body });

    let before = await ledgerSnapshot(h.db);
    const insufficient = await transfer({ amount: 61 });
    expect(insufficient.statusCode).toBe(422);
    expect(insufficient.json().type).toBe('/problems/insufficient-balance');
    const [refused] = await l.events();
    expect(refused).toMatchObject({ event_name: 'balance_transaction_unauthorized', contact_id: ada.contactId,
      reason: 'Amount falls below available balance amount', transaction: { type: 'debit', value: 61 } });
    let after = await ledgerSnapshot(h.db);
    expect({ ...after, events: after.events.length }).toEqual({ ...before, events: before.events.length + 1 });

    expect((await l.call('POST', `/v1/members/${bob.id}/deactivate`)).statusCode).toBe(200);
    await l.events();
    before = await ledgerSnapshot(h.db);
    const inactiveReceiver = await transfer({});
    expect(inactiveReceiver.statusCode).toBe(409);
    expect(inactiveReceiver.json().type).toBe('/problems/member-inactive');
    const [aboutBob] = await l.events();
    expect(aboutBob).toMatchObject({ event_name: 'balance_transaction_unauthorized', contact_id: bob.contactId,
      reason: 'Contact is not active in the loyalty program', transaction: { type: 'credit', value: 10 } });
    const inactiveSender = await transfer({ fromMemberId: bob.id, toMemberId: ada.id, amount: 1 });
    expect(inactiveSender.statusCode).toBe(409);
    const [aboutSender] = await l.events();
    expect(aboutSender).toMatchObject({ contact_id: bob.contactId, transaction: { type: 'debit', value: 1 } });
    after = await ledgerSnapshot(h.db);
    expect({ ...after, events: after.events.length }).toEqual({ ...before, events: before.events.length + 2 });
    expect((await l.call('POST', `/v1/members/${bob.id}/reactivate`)).statusCode).toBe(200);
    await l.events();

    before = await ledgerSnapshot(h.db);
    const same = await transfer({ toMemberId: ada.id });
    expect(same.statusCode).toBe(422);
    expect(same.json().errors[0].field).toBe('/toMemberId');
    const household = await transfer({ toMemberId: carol.id });
    expect(household.statusCode).toBe(409);
    expect(household.json().errors[0].field).toBe('/toMemberId');
    const householdBack = await transfer({ fromMemberId: carol.id, toMemberId: ada.id });
    expect(householdBack.statusCode).toBe(409);
    const unknownReceiver = await transfer({ toMemberId: '019c0000-0000-7000-8000-000000000000' });
    expect(unknownReceiver.statusCode).toBe(404);
    expect(unknownReceiver.json().errors[0].field).toBe('/toMemberId');
    const unknownSender = await transfer({ fromMemberId: '019c0000-0000-7000-8000-000000000000' });
    expect(unknownSender.statusCode).toBe(404);
    expect(unknownSender.json().errors[0].field).toBe('/fromMemberId');
    const noSubscription = await transfer({ toMemberId: dan.id });
    expect(noSubscription.statusCode).toBe(409);
    expect(noSubscription.json().type).toBe('/problems/subscription-revoked');
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await l.events()).toEqual([]);

    // A household member spends from the shared balance, and can give to someone outside it.
    const fromHousehold = await transfer({ fromMemberId: carol.id, toMemberId: bob.id, amount: 20 });
    expect(fromHousehold.statusCode, fromHousehold.body).toBe(201);
    expect((await l.events()).map(about)).toEqual([carol.id, carol.id, carol.contactId, bob.id, bob.id, bob.contactId]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 40, spent: 20 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 25 });
    expect(await l.check()).toEqual(consistent);
  });

  it('the receiver\'s maximum applies: strict or partial, the transfer is refused with balance_transaction_unauthorized and balance_maximum_value_reached', async () => {
    for (const maximumStrategy of ['strict', 'partial']) {
      const l = await ledgerProgram(h, { maximum: 100, maximumStrategy });
      const ada = await l.member('ada@example.com');
      const bob = await l.member('bob@example.com');
      await l.credit(ada.id, 100);
      await l.credit(bob.id, 80);
      await l.events();
      const before = await ledgerSnapshot(h.db);
      const refused = await l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 40 });
      expect(refused.statusCode, maximumStrategy).toBe(422);
      expect(refused.json().type).toBe('/problems/balance-maximum');
      const events = await l.events();
      expect(names(events), maximumStrategy).toEqual(['balance_transaction_unauthorized', 'balance_maximum_value_reached']);
      expect(events[0]).toMatchObject({ contact_id: bob.contactId, reason: 'Amount falls above maximum balance amount limit', transaction: { type: 'credit', value: 40 } });
      expect(events[1]).toMatchObject({ contact_id: bob.contactId, value: 80 });
      const after = await ledgerSnapshot(h.db);
      expect({ ...after, events: after.events.length }).toEqual({ ...before, events: before.events.length + 2 });
      // What fits goes through.
      expect((await l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 20 })).statusCode).toBe(201);
      expect(await l.balance(bob.id)).toMatchObject({ available: 100 });
    }
  });

  it('opposite transfers at the same time neither deadlock nor lose units', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    await l.credit(ada.id, 100);
    await l.credit(bob.id, 100);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => l.call('POST', '/v1/ledger/transfers',
      i % 2 === 0 ? { fromMemberId: ada.id, toMemberId: bob.id, amount: 3 } : { fromMemberId: bob.id, toMemberId: ada.id, amount: 2 })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(30).fill(201));
    expect(await l.balance(ada.id)).toMatchObject({ available: 100 - 15 * 3 + 15 * 2 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 100 + 15 * 3 - 15 * 2 });
    expect(await l.check()).toEqual(consistent);
    await l.events();
  });
});

describe('cancelling a transfer', () => {
  it('cancellations and new transfers in both directions at the same time: no deadlock, every unit accounted for', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    // bob's balance first: balance ids, member ids and subscription ids do not all sort alike.
    await l.credit(bob.id, 1000);
    await l.credit(ada.id, 1000);
    const earlier = [];
    for (let i = 0; i < 8; i++) earlier.push((await l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 10 })).json());
    const results = await Promise.all([
      ...earlier.map((t, i) => l.call('POST', `/v1/ledger/transactions/${i % 2 ? t.credit.id : t.debit.id}/reverse`)),
      ...Array.from({ length: 8 }, () => l.call('POST', '/v1/ledger/transfers', { fromMemberId: bob.id, toMemberId: ada.id, amount: 7 })),
      ...Array.from({ length: 8 }, () => l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 3 })),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual(Array(24).fill(201));
    expect(await l.balance(ada.id)).toMatchObject({ available: 1000 + 8 * 7 - 8 * 3 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 1000 - 8 * 7 + 8 * 3 });
    expect(await l.check()).toEqual(consistent);
    await l.events();
  });

  it('reversing the credit side takes the units back from the receiver and returns them to the sender, with the events of both', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    await l.credit(ada.id, 100);
    const { transferId, debit, credit } = (await l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 40 })).json();
    await l.events();

    const cancel = await l.call('POST', `/v1/ledger/transactions/${credit.id}/reverse`, { comment: 'sent by mistake' });
    expect(cancel.statusCode, cancel.body).toBe(201);
    expect(cancel.json()).toMatchObject({ kind: 'debit', reason: 'cancel', amount: 40, reversesId: credit.id, transferId, comment: 'sent by mistake' });
    const events = await l.events();
    expect(names(events)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(events.map(about)).toEqual([bob.id, bob.id, bob.contactId, ada.id, ada.id, ada.contactId]);
    expect(events[0].data).toMatchObject({ amountChange: -40, availableAmount: 0, reason: 'cancel' });
    expect(events[2]).toMatchObject({ initial_value: 40, value: 0, transaction: { type: 'debit', value: 40 } });
    expect(events[3].data).toMatchObject({ amountChange: 40, availableAmount: 100, reason: 'cancel' });
    expect(events[5]).toMatchObject({ initial_value: 60, value: 100, transaction: { type: 'credit', value: 40 } });

    expect(await l.balance(ada.id)).toMatchObject({ available: 100, spent: 0, earned: 100 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 0, spent: 0, earned: 0 });
    const adaHistory = await l.all(`/v1/balances/${debit.balanceId}/transactions`);
    expect(adaHistory.map((t) => [t.kind, t.reason, t.reversesId])).toEqual([['credit', 'add', null], ['debit', 'transfer_out', null], ['credit', 'cancel', debit.id]]);
    expect((await l.all(`/v1/balances/${credit.balanceId}/lots`)).map((lot) => lot.status)).toEqual(['cancelled']);
    expect((await l.all(`/v1/balances/${debit.balanceId}/lots`)).map((lot) => lot.remaining)).toEqual([100]);

    // Cancelled once: neither side can be cancelled again.
    const before = await ledgerSnapshot(h.db);
    expect((await l.call('POST', `/v1/ledger/transactions/${credit.id}/reverse`)).statusCode).toBe(409);
    expect((await l.call('POST', `/v1/ledger/transactions/${debit.id}/reverse`)).statusCode).toBe(409);
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await l.check()).toEqual(consistent);
  });

  it('is refused when the receiver no longer holds the units, whichever side is named; naming the debit side cancels both when allowed', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    await l.credit(ada.id, 100);
    const first = (await l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 40 })).json();
    await l.debit(bob.id, 1);
    await l.events();

    const before = await ledgerSnapshot(h.db);
    const byCredit = await l.call('POST', `/v1/ledger/transactions/${first.credit.id}/reverse`);
    expect(byCredit.statusCode).toBe(409);
    expect(byCredit.json().type).toBe('/problems/not-reversible');
    const byDebit = await l.call('POST', `/v1/ledger/transactions/${first.debit.id}/reverse`);
    expect(byDebit.statusCode).toBe(409);
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await l.events()).toEqual([]);

    // Blocked units are not held either.
    const second = (await l.call('POST', '/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 10 })).json();
    const block = await l.call('POST', '/v1/ledger/blocks', { memberId: bob.id, amount: 45 });
    expect(block.statusCode).toBe(201);
    expect((await l.call('POST', `/v1/ledger/transactions/${second.credit.id}/reverse`)).statusCode).toBe(409);
    await l.call('POST', `/v1/ledger/blocks/${block.json().id}/release`);
    await l.events();

    const cancel = await l.call('POST', `/v1/ledger/transactions/${second.debit.id}/reverse`);
    expect(cancel.statusCode, cancel.body).toBe(201);
    expect(cancel.json()).toMatchObject({ kind: 'credit', reason: 'cancel', reversesId: second.debit.id, transferId: second.transferId });
    expect((await l.events()).map(about)).toEqual([bob.id, bob.id, bob.contactId, ada.id, ada.id, ada.contactId]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 60, spent: 40 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 39, spent: 1, earned: 40 });
    expect(await l.check()).toEqual(consistent);
  });
});
