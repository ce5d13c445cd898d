import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, ledgerSnapshot, useLedgerHarness } from './support.ts';

/**
 * History: a balance's transactions and lots, filtered and paginated with cursors; and no
 * program can see or touch another program's balances, transactions or lots.
 */

let h: Harness;
useLedgerHarness({ start: '2026-09-01T06:00:00.000Z' }, (made) => {
  h = made;
});

type Program = Awaited<ReturnType<typeof ledgerProgram>>;

/** A balance with every kind and status of transaction, and lots in every state. */
async function history(l: Program) {
  const ada = await l.member('ada@example.com');
  const t0 = await l.now();
  const at = (hours: number) => new Date(t0.getTime() + hours * 3_600_000).toISOString();
  const post = async (body: Record<string, unknown>) => {
    const response = await l.call('POST', '/v1/ledger/transactions', { memberId: ada.id, ...body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  const step = () => l.advance({ by: 'PT1H' });
  const t = {} as Record<string, any>;
  t.credit = await post({ kind: 'credit', amount: 100, autoComplete: true }); await step(); // +0h
  t.pendingCredit = await post({ kind: 'credit', amount: 50 }); await step(); // +1h
  t.debit = await post({ kind: 'debit', amount: 30, autoComplete: true }); await step(); // +2h
  t.cancelled = await post({ kind: 'debit', amount: 10 }); // +3h
  expect((await l.call('POST', `/v1/ledger/transactions/${t.cancelled.id}/cancel`)).statusCode).toBe(200);
  await step();
  t.block = (await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 20 })).json(); await step(); // +4h
  t.unblock = (await l.call('POST', `/v1/ledger/blocks/${t.block.id}/release`)).json(); await step(); // +5h
  t.expired = await post({ kind: 'credit', amount: 5, ttlSeconds: 1800 }); await step(); // +6h, expires at +6h30
  t.reversal = (await l.call('POST', `/v1/ledger/transactions/${t.debit.id}/reverse`)).json(); // +7h
  await l.advance({ by: 'P1D' });
  t.credit2 = await post({ kind: 'credit', amount: 40, autoComplete: true }); // +31h
  await l.advance({ by: 'P1D' });
  t.credit3 = await post({ kind: 'credit', amount: 60, autoComplete: true }); // +55h
  const balance = await l.balance(ada.id);
  const lots = await l.all(`/v1/balances/${balance.id}/lots`);
  expect(lots.map((lot) => lot.transactionId)).toEqual([t.credit.id, t.credit2.id, t.credit3.id]);
  const expiredLot = await l.call('POST', `/v1/ledger/lots/${lots[1].id}/expire`);
  expect(expiredLot.statusCode).toBe(200);
  await l.events();
  return { ada, balance, t, at, lots };
}

describe('a balance\'s history', () => {
  it('lists transactions with status, kind and date filters, and pages through them with cursors', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 30, unit: 'day' }, reminderDaysBefore: 0 });
    const { balance, t, at } = await history(l);
    const url = `/v1/balances/${balance.id}/transactions`;
    const ids = async (query: string) => (await l.all(`${url}?${query}`)).map((x) => x.id);
    const order = ['credit', 'pendingCredit', 'debit', 'cancelled', 'block', 'unblock', 'expired', 'reversal', 'credit2', 'credit3'];

    const everything = await l.all(url);
    expect(everything.map((x) => x.id)).toEqual(order.map((k) => t[k].id));
    expect(everything.map((x) => [x.kind, x.status])).toEqual([
      ['credit', 'completed'], ['credit', 'pending'], ['debit', 'completed'], ['debit', 'cancelled'], ['block', 'completed'],
      ['unblock', 'completed'], ['credit', 'expired'], ['credit', 'completed'], ['credit', 'completed'], ['credit', 'completed']]);
    expect(everything[7]).toMatchObject({ reason: 'cancel', reversesId: t.debit.id });
    expect(everything[5]).toMatchObject({ blockId: t.block.id });

    expect(await ids('status=pending')).toEqual([t.pendingCredit.id]);
    expect(await ids('status=cancelled')).toEqual([t.cancelled.id]);
    expect(await ids('status=expired')).toEqual([t.expired.id]);
    expect(await ids('status=completed')).toEqual(['credit', 'debit', 'block', 'unblock', 'reversal', 'credit2', 'credit3'].map((k) => t[k].id));
    expect(await ids('kind=credit')).toEqual(['credit', 'pendingCredit', 'expired', 'reversal', 'credit2', 'credit3'].map((k) => t[k].id));
    expect(await ids('kind=debit')).toEqual([t.debit.id, t.cancelled.id]);
    expect(await ids('kind=block')).toEqual([t.block.id]);
    expect(await ids('kind=unblock')).toEqual([t.unblock.id]);
    expect(await ids('kind=debit&status=completed')).toEqual([t.debit.id]);
    // from is inclusive, to exclusive.
    expect(await ids(`from=${at(2)}&to=${at(5)}`)).toEqual([t.debit.id, t.cancelled.id, t.block.id]);
    expect(await ids(`from=${at(7)}`)).toEqual([t.reversal.id, t.credit2.id, t.credit3.id]);
    expect(await ids(`to=${at(1)}`)).toEqual([t.credit.id]);
    expect(await ids(`from=${at(100)}`)).toEqual([]);
    expect(await ids(`kind=credit&status=completed&from=${at(1)}&to=${at(40)}`)).toEqual([t.reversal.id, t.credit2.id]);

    // Pages of 3, then of 1: the same items, in the same order, none twice.
    for (const limit of [3, 1]) {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const response: any = await l.call('GET', `${url}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(response.statusCode).toBe(200);
        pages.push(response.json().data.map((x: any) => x.id));
        cursor = response.json().nextCursor;
      } while (cursor);
      expect(pages.every((page) => page.length <= limit)).toBe(true);
      expect(pages.flat()).toEqual(order.map((k) => t[k].id));
      expect(pages).toHaveLength(Math.ceil(order.length / limit));
    }
    // A filter and a cursor together.
    const first = await l.call('GET', `${url}?kind=credit&limit=2`);
    expect(first.json().data.map((x: any) => x.id)).toEqual([t.credit.id, t.pendingCredit.id]);
    const second = await l.call('GET', `${url}?kind=credit&limit=2&cursor=${encodeURIComponent(first.json().nextCursor)}`);
    expect(second.json().data.map((x: any) => x.id)).toEqual([t.expired.id, t.reversal.id]);

    // One transaction by id.
    const one = await l.call('GET', `/v1/ledger/transactions/${t.block.id}`);
    expect(one.json()).toEqual(everything[4]);
  });

  it('lists lots with status and expiresBefore filters, and pages through them', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 30, unit: 'day' }, reminderDaysBefore: 0 });
    const { balance, t } = await history(l);
    const url = `/v1/balances/${balance.id}/lots`;
    const lots = await l.all(url);
    const ids = async (query: string) => (await l.all(`${url}?${query}`)).map((x) => x.id);
    expect(lots.map((lot) => [lot.status, lot.amount, lot.remaining, lot.expired])).toEqual([
      ['active', 100, 100, 0], ['expired', 40, 0, 40], ['active', 60, 60, 0]]);
    expect(lots[0].transactionId).toBe(t.credit.id);

    expect(await ids('status=active')).toEqual([lots[0].id, lots[2].id]);
    expect(await ids('status=expired')).toEqual([lots[1].id]);
    expect(await ids('status=pending')).toEqual([]);
    expect(await ids(`expiresBefore=${lots[1].expiresAt}`)).toEqual([lots[0].id]);
    const justAfter = new Date(new Date(lots[1].expiresAt).getTime() + 1).toISOString();
    expect(await ids(`expiresBefore=${justAfter}`)).toEqual([lots[0].id, lots[1].id]);
    expect(await ids(`expiresBefore=${justAfter}&status=active`)).toEqual([lots[0].id]);

    const page1 = await l.call('GET', `${url}?limit=2`);
    expect(page1.json().data.map((x: any) => x.id)).toEqual([lots[0].id, lots[1].id]);
    const page2 = await l.call('GET', `${url}?limit=2&cursor=${encodeURIComponent(page1.json().nextCursor)}`);
    expect(page2.json()).toEqual({ data: [lots[2]], nextCursor: null });

    const read = await l.call('GET', `/v1/balances/${balance.id}`);
    expect(read.json()).toMatchObject({ id: balance.id, available: 160, pending: 0, blocked: 0, spent: 0, expired: 40, earned: 200 });
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });
});

describe('tenant isolation', () => {
  it('another program\'s key gets 404 for this program\'s balances, transactions and lots, and changes nothing', async () => {
    const a = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 30, unit: 'day' }, reminderDaysBefore: 0 });
    const { ada, balance, t, lots } = await history(a);
    const b = await ledgerProgram(h);
    const bob = await b.member('bob@example.com');
    await b.credit(bob.id, 10);
    await b.events();

    const before = await ledgerSnapshot(h.db);
    const reads = [
      `/v1/balances/${balance.id}`, `/v1/balances/${balance.id}/transactions`, `/v1/balances/${balance.id}/lots`,
      `/v1/balances/${balance.id}/transactions?status=completed&limit=1`, `/v1/ledger/transactions/${t.credit.id}`,
      `/v1/members/${ada.id}/balances`,
    ];
    for (const url of reads) {
      const response = await b.call('GET', url);
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const writes: [string, unknown][] = [
      [`/v1/ledger/transactions/${t.pendingCredit.id}/complete`, undefined],
      [`/v1/ledger/transactions/${t.pendingCredit.id}/cancel`, undefined],
      [`/v1/ledger/transactions/${t.credit3.id}/reverse`, {}],
      [`/v1/ledger/blocks/${t.block.id}/release`, undefined],
      [`/v1/ledger/lots/${lots[0].id}/expire`, undefined],
      [`/v1/ledger/lots/${lots[0].id}/activate`, undefined],
      ['/v1/ledger/transactions', { memberId: ada.id, kind: 'credit', amount: 1, autoComplete: true }],
      ['/v1/ledger/transactions', { loyaltySubscriptionId: ada.subscription.loyaltySubscriptionId, kind: 'debit', amount: 1, autoComplete: true }],
      ['/v1/ledger/adjustments', { memberId: ada.id, kind: 'deduct', amount: 1, comment: 'x' }],
      ['/v1/ledger/blocks', { memberId: ada.id, amount: 1 }],
      ['/v1/ledger/transfers', { fromMemberId: ada.id, toMemberId: bob.id, amount: 1 }],
      ['/v1/ledger/transfers', { fromMemberId: bob.id, toMemberId: ada.id, amount: 1 }],
      ['/v1/ledger/transactions', { memberId: bob.id, balanceDefinitionId: a.definition.id, kind: 'credit', amount: 1, autoComplete: true }],
    ];
    for (const [url, body] of writes) {
      const response = await b.call('POST', url, body);
      expect(response.statusCode, `${url} ${JSON.stringify(body)} → ${response.body}`).toBe(404);
    }
    const imported = await h.call('POST', '/v1/ledger/imports', { key: b.program.key, headers: { 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({ ref: 'steal', memberId: ada.id, kind: 'debit', amount: 1 }) });
    expect(imported.json()).toMatchObject({ applied: 0, errors: [{ line: 1, field: '/memberId' }] });
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await a.events()).toEqual([]);
    expect(await b.events()).toEqual([]);
    // Each program's check covers its own balances only.
    expect(await b.check()).toEqual({ consistent: true, differences: [] });
  });
});
