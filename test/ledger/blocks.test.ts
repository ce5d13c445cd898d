import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, ledgerSnapshot, names, useLedgerHarness } from './support.ts';

/**
 * Blocks: units reserved without being spent. A block moves units from available to blocked
 * (reason block), a release moves them back (reason unblock); blocked units cannot be spent,
 * and a lot expiring meanwhile expires only its free units — the blocked ones when released.
 */

let h: Harness;
useLedgerHarness({ start: '2026-05-04T08:00:00.000Z' }, (made) => {
  h = made;
});

const consistent = { consistent: true, differences: [] };

describe('blocking units', () => {
  it('a block lowers available and raises blocked, debits cannot use blocked units, a release returns them; releasing twice is refused', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    await l.events();

    const block = await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 40, comment: 'order 1042 being prepared' });
    expect(block.statusCode, block.body).toBe(201);
    expect(block.json()).toMatchObject({ kind: 'block', reason: 'block', amount: 40, status: 'completed', comment: 'order 1042 being prepared' });
    const blocked = await l.events();
    expect(names(blocked)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(blocked[0].data).toMatchObject({ amountChange: -40, availableAmount: 60, reason: 'block', transferId: block.json().id });
    expect(blocked[1].data).toMatchObject({ amountChange: -40, reason: 'block', activeUnits: 60, pendingUnits: 0, blockedUnits: 40 });
    expect(blocked[2]).toMatchObject({ created: false, initial_value: 100, value: 60, transaction: { type: 'debit', value: 40 } });
    const balance = await l.balance(ada.id);
    expect(balance).toMatchObject({ available: 60, blocked: 40, spent: 0, earned: 100 });
    expect((await l.all(`/v1/balances/${balance.id}/lots`))[0]).toMatchObject({ remaining: 100, blocked: 40 });

    // Blocked units cannot be spent: 61 is refused, 60 is fine.
    const tooMuch = await l.debit(ada.id, 61);
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json().type).toBe('/problems/insufficient-balance');
    expect(names(await l.events())).toEqual(['balance_transaction_unauthorized']);
    expect((await l.debit(ada.id, 60)).statusCode).toBe(201);
    await l.events();
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, blocked: 40, spent: 60 });
    // Nor blocked again.
    const blockMore = await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 1 });
    expect(blockMore.statusCode).toBe(422);
    const refusal = await l.events();
    expect(names(refusal)).toEqual(['balance_transaction_unauthorized']);
    expect(refusal[0]).toMatchObject({ reason: 'Amount falls below available balance amount', transaction: { type: 'debit', value: 1 } });

    const release = await l.call('POST', `/v1/ledger/blocks/${block.json().id}/release`);
    expect(release.statusCode, release.body).toBe(201);
    expect(release.json()).toMatchObject({ kind: 'unblock', reason: 'unblock', amount: 40, blockId: block.json().id, status: 'completed' });
    const released = await l.events();
    expect(names(released)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']);
    expect(released[0].data).toMatchObject({ amountChange: 40, availableAmount: 40, reason: 'unblock', transferId: release.json().id });
    expect(released[1].data).toMatchObject({ amountChange: 40, activeUnits: 40, blockedUnits: 0 });
    expect(released[2]).toMatchObject({ initial_value: 0, value: 40, transaction: { type: 'credit', value: 40 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 40, blocked: 0, spent: 60, earned: 100 });

    const before = await ledgerSnapshot(h.db);
    const twice = await l.call('POST', `/v1/ledger/blocks/${block.json().id}/release`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().type).toBe('/problems/block-released');
    // Only a block can be released; an unknown id is not found; a block cannot be "reversed".
    const credit = await l.credit(ada.id, 1);
    const notABlock = await l.call('POST', `/v1/ledger/blocks/${credit.json().id}/release`);
    expect(notABlock.statusCode).toBe(409);
    expect(notABlock.json().type).toBe('/problems/not-a-block');
    expect((await l.call('POST', '/v1/ledger/blocks/019c0000-0000-7000-8000-000000000000/release')).statusCode).toBe(404);
    expect((await l.call('POST', `/v1/ledger/transactions/${block.json().id}/reverse`)).statusCode).toBe(409);
    const after = await ledgerSnapshot(h.db);
    expect(after.balances.map((b: any) => b.available)).toEqual(before.balances.map((b: any) => b.available + 1));
    expect(after.lots.length).toBe(before.lots.length + 1);
    await l.events();
    expect(await l.check()).toEqual(consistent);
  });

  it('concurrent releases of one block: exactly one succeeds', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    const block = await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 30 });
    const results = await Promise.all(Array.from({ length: 5 }, () => l.call('POST', `/v1/ledger/blocks/${block.json().id}/release`)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 100, blocked: 0 });
    expect(await l.check()).toEqual(consistent);
    await l.events();
  });

  it('blocks from the soonest-expiring lots, across several lots', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 30, unit: 'day' }, reminderDaysBefore: 0 });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 30);
    h.clock.advance(1000);
    await l.credit(ada.id, 50);
    const block = await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 45 });
    expect(block.statusCode).toBe(201);
    const balance = await l.balance(ada.id);
    expect((await l.all(`/v1/balances/${balance.id}/lots`)).map((lot) => [lot.remaining, lot.blocked])).toEqual([[30, 30], [50, 15]]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 35, blocked: 45 });
    await l.events();
  });
});

describe('blocked units and expiry', () => {
  it('a lot expiring while some of its units are blocked expires its free units; the blocked ones expire when the block is released', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 10, unit: 'day' }, reminderDaysBefore: 0 });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 100);
    const block = await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 30 });
    expect(block.statusCode).toBe(201);
    await l.events();

    await l.advance({ by: 'P10D' });
    const expired = await l.events();
    expect(names(expired)).toEqual(['balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated']);
    expect(expired[0]).toMatchObject({ value: 0 });
    expect(expired[1].data).toMatchObject({ amountChange: -70, availableAmount: 0, reason: 'expire' });
    expect(expired[2].data).toMatchObject({ amountChange: -70, activeUnits: 0, blockedUnits: 30 });
    const balance = await l.balance(ada.id);
    expect(balance).toMatchObject({ available: 0, blocked: 30, expired: 70, spent: 0, earned: 100 });
    expect((await l.all(`/v1/balances/${balance.id}/lots`))[0]).toMatchObject({ status: 'expired', remaining: 30, blocked: 30, expired: 70 });
    expect(await l.check()).toEqual(consistent);

    // The release gives the units back and they expire at once: both sets of events.
    const release = await l.call('POST', `/v1/ledger/blocks/${block.json().id}/release`);
    expect(release.statusCode, release.body).toBe(201);
    const released = await l.events();
    expect(names(released)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated']);
    expect(released[0].data).toMatchObject({ amountChange: 30, availableAmount: 30, reason: 'unblock' });
    expect(released[1].data).toMatchObject({ blockedUnits: 0, activeUnits: 30, reason: 'unblock' });
    expect(released[2]).toMatchObject({ initial_value: 0, value: 30, transaction: { type: 'credit', value: 30 } });
    expect(released[3]).toMatchObject({ value: 0 });
    expect(released[4].data).toMatchObject({ amountChange: -30, availableAmount: 0, reason: 'expire', transferId: null });
    expect(released[5].data).toMatchObject({ amountChange: -30, activeUnits: 0, blockedUnits: 0, reason: 'expire' });
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, blocked: 0, expired: 100, spent: 0, earned: 100 });
    expect((await l.all(`/v1/balances/${balance.id}/lots`))[0]).toMatchObject({ status: 'expired', remaining: 0, blocked: 0, expired: 100 });
    expect(await l.check()).toEqual(consistent);
  });

  it('a block spanning two lots that expire before the release (one by the scheduler with no free unit left, one by an admin): all of it expires on release', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 10, unit: 'day' }, reminderDaysBefore: 0 });
    const ada = await l.member('ada@example.com');
    await l.credit(ada.id, 20);
    await l.advance({ by: 'P5D' });
    await l.credit(ada.id, 50);
    const block = await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 40 }); // 20 + 20
    await l.advance({ by: 'P5D' }); // the first lot expires, all blocked
    await l.events();
    expect(await l.balance(ada.id)).toMatchObject({ available: 30, blocked: 40, expired: 0 });
    // Early expiry by an admin of a lot with blocked units: only the free part too.
    const balance = await l.balance(ada.id);
    const [, second] = await l.all(`/v1/balances/${balance.id}/lots`);
    await l.call('POST', `/v1/ledger/lots/${second.id}/expire`);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, blocked: 40, expired: 30 });
    await l.events();

    await l.call('POST', `/v1/ledger/blocks/${block.json().id}/release`);
    const released = await l.events();
    expect(names(released)).toEqual(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'balance_value_expired', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated']);
    expect(released[0].data.amountChange).toBe(40);
    expect(released[4].data.amountChange).toBe(-40);
    expect(await l.balance(ada.id)).toMatchObject({ available: 0, blocked: 0, expired: 70, earned: 70 });
    expect(await l.check()).toEqual(consistent);
  });
});
