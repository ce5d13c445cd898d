import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../foundation/helpers.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { closeReceivers, ledgerProgram, ledgerSnapshot } from './support.ts';

/**
 * Every ledger route refuses bad input with a 4xx RFC 9457 problem naming the offending field,
 * and nothing changes: no transaction, lot, balance figure, event or scheduled job. No input
 * produces a 500.
 */

let h: Harness;
let l: Awaited<ReturnType<typeof ledgerProgram>>;
const f = { ada: '', subscription: '', credit: '', pending: '', block: '', lot: '', balance: '' };
const unknownId = '019c0000-0000-7000-8000-000000000000';

beforeAll(async () => {
  h = await startHarness({ start: '2026-03-01T09:00:00.000Z' });
  l = await ledgerProgram(h);
  const ada = await l.member('ada@example.com');
  f.ada = ada.id;
  f.subscription = ada.subscription.loyaltySubscriptionId;
  const credit = await l.credit(ada.id, 100, { externalRef: 'order-1' });
  f.credit = credit.json().id;
  f.balance = credit.json().balanceId;
  f.pending = (await l.call('POST', '/v1/ledger/transactions', { memberId: ada.id, kind: 'debit', amount: 5 })).json().id;
  f.block = (await l.call('POST', '/v1/ledger/blocks', { memberId: ada.id, amount: 5 })).json().id;
  f.lot = (await l.all(`/v1/balances/${f.balance}/lots`))[0].id;
  await l.events();
});
afterAll(async () => {
  await h?.close();
  await closeReceivers();
});

interface Case {
  name: string;
  method?: string;
  url: () => string;
  body?: () => unknown;
  status: number;
  field?: string;
}

const tx = (extra: Record<string, unknown>) => () => ({ memberId: f.ada, kind: 'credit', amount: 10, autoComplete: true, ...extra });
const without = (key: string, body: () => Record<string, unknown>) => () => {
  const copy = { ...body() };
  delete copy[key];
  return copy;
};
const transfer = (extra: Record<string, unknown>) => () => ({ fromMemberId: f.ada, toMemberId: unknownId, amount: 10, ...extra });

const cases: Case[] = [
  // POST /v1/ledger/transactions
  { name: 'transaction: amount 0', url: () => '/v1/ledger/transactions', body: tx({ amount: 0 }), status: 400, field: '/amount' },
  { name: 'transaction: negative amount', url: () => '/v1/ledger/transactions', body: tx({ amount: -5 }), status: 400, field: '/amount' },
  { name: 'transaction: fractional amount', url: () => '/v1/ledger/transactions', body: tx({ amount: 1.5 }), status: 400, field: '/amount' },
  { name: 'transaction: amount beyond exact integers', url: () => '/v1/ledger/transactions', body: tx({ amount: 2 ** 53 }), status: 400, field: '/amount' },
  { name: 'transaction: amount 1e308', url: () => '/v1/ledger/transactions', body: tx({ amount: 1e308 }), status: 400, field: '/amount' },
  { name: 'transaction: amount as a string', url: () => '/v1/ledger/transactions', body: tx({ amount: '10' }), status: 400, field: '/amount' },
  { name: 'transaction: amount missing', url: () => '/v1/ledger/transactions', body: without('amount', tx({})), status: 400, field: '/amount' },
  { name: 'transaction: unknown kind', url: () => '/v1/ledger/transactions', body: tx({ kind: 'refund' }), status: 400, field: '/kind' },
  { name: 'transaction: kind missing', url: () => '/v1/ledger/transactions', body: without('kind', tx({})), status: 400, field: '/kind' },
  { name: 'transaction: memberId not a uuid', url: () => '/v1/ledger/transactions', body: tx({ memberId: 'ada' }), status: 400, field: '/memberId' },
  { name: 'transaction: memberId as a number', url: () => '/v1/ledger/transactions', body: tx({ memberId: 42 }), status: 400, field: '/memberId' },
  { name: 'transaction: unknown member', url: () => '/v1/ledger/transactions', body: tx({ memberId: unknownId }), status: 404, field: '/memberId' },
  { name: 'transaction: no member nor subscription', url: () => '/v1/ledger/transactions', body: without('memberId', tx({})), status: 422, field: '/memberId' },
  { name: 'transaction: unknown subscription', url: () => '/v1/ledger/transactions', body: without('memberId', tx({ loyaltySubscriptionId: 'NOPE-1' })), status: 404, field: '/loyaltySubscriptionId' },
  { name: 'transaction: empty subscription id', url: () => '/v1/ledger/transactions', body: without('memberId', tx({ loyaltySubscriptionId: '' })), status: 400, field: '/loyaltySubscriptionId' },
  { name: 'transaction: definition not a uuid', url: () => '/v1/ledger/transactions', body: tx({ balanceDefinitionId: 'points' }), status: 400, field: '/balanceDefinitionId' },
  { name: 'transaction: unknown definition', url: () => '/v1/ledger/transactions', body: tx({ balanceDefinitionId: unknownId }), status: 404, field: '/balanceDefinitionId' },
  { name: 'transaction: unknown field', url: () => '/v1/ledger/transactions', body: tx({ colour: 'red' }), status: 400, field: '/colour' },
  { name: 'transaction: autoComplete as a string', url: () => '/v1/ledger/transactions', body: tx({ autoComplete: 'yes' }), status: 400, field: '/autoComplete' },
  { name: 'transaction: reason not allowed', url: () => '/v1/ledger/transactions', body: tx({ reason: 'expire' }), status: 400, field: '/reason' },
  { name: 'transaction: ttl 0', url: () => '/v1/ledger/transactions', body: tx({ autoComplete: false, ttlSeconds: 0 }), status: 400, field: '/ttlSeconds' },
  { name: 'transaction: ttl with autoComplete', url: () => '/v1/ledger/transactions', body: tx({ ttlSeconds: 60 }), status: 422, field: '/ttlSeconds' },
  { name: 'transaction: availableAt not a date', url: () => '/v1/ledger/transactions', body: tx({ availableAt: 'tomorrow' }), status: 400, field: '/availableAt' },
  { name: 'transaction: scheduled debit', url: () => '/v1/ledger/transactions', body: tx({ kind: 'debit', availableAt: '2026-04-01T00:00:00Z' }), status: 422, field: '/availableAt' },
  { name: 'transaction: comment too long', url: () => '/v1/ledger/transactions', body: tx({ comment: 'x'.repeat(1001) }), status: 400, field: '/comment' },
  { name: 'transaction: empty externalRef', url: () => '/v1/ledger/transactions', body: tx({ externalRef: '' }), status: 400, field: '/externalRef' },
  { name: 'transaction: externalRef already used', url: () => '/v1/ledger/transactions', body: tx({ externalRef: 'order-1' }), status: 409, field: '/externalRef' },
  { name: 'transaction: NUL in comment', url: () => '/v1/ledger/transactions', body: tx({ comment: 'a\u0000b' }), status: 400, field: '/comment' },
  { name: 'transaction: body an array', url: () => '/v1/ledger/transactions', body: () => [tx({})()], status: 400 },
  { name: 'transaction: no body', url: () => '/v1/ledger/transactions', status: 400 },

  // Two-phase actions
  { name: 'complete: id not a uuid', url: () => '/v1/ledger/transactions/abc/complete', status: 400, field: 'path.transactionId' },
  { name: 'complete: unknown transaction', url: () => `/v1/ledger/transactions/${unknownId}/complete`, status: 404 },
  { name: 'complete: a completed transaction', url: () => `/v1/ledger/transactions/${f.credit}/complete`, status: 409 },
  { name: 'cancel: id not a uuid', url: () => '/v1/ledger/transactions/1/cancel', status: 400, field: 'path.transactionId' },
  { name: 'cancel: a completed transaction', url: () => `/v1/ledger/transactions/${f.credit}/cancel`, status: 409 },
  { name: 'reverse: id not a uuid', url: () => '/v1/ledger/transactions/x/reverse', body: () => ({}), status: 400, field: 'path.transactionId' },
  { name: 'reverse: unknown field', url: () => `/v1/ledger/transactions/${f.credit}/reverse`, body: () => ({ why: 'x' }), status: 400, field: '/why' },
  { name: 'reverse: comment too long', url: () => `/v1/ledger/transactions/${f.credit}/reverse`, body: () => ({ comment: 'x'.repeat(1001) }), status: 400, field: '/comment' },
  { name: 'reverse: a pending transaction', url: () => `/v1/ledger/transactions/${f.pending}/reverse`, body: () => ({}), status: 409 },
  { name: 'reverse: unknown transaction', url: () => `/v1/ledger/transactions/${unknownId}/reverse`, body: () => ({}), status: 404 },
  { name: 'get: id not a uuid', method: 'GET', url: () => '/v1/ledger/transactions/nope', status: 400, field: 'path.transactionId' },
  { name: 'get: unknown transaction', method: 'GET', url: () => `/v1/ledger/transactions/${unknownId}`, status: 404 },

  // Adjustments
  { name: 'adjustment: comment missing', url: () => '/v1/ledger/adjustments', body: () => ({ memberId: f.ada, kind: 'add', amount: 1 }), status: 400, field: '/comment' },
  { name: 'adjustment: amount 0', url: () => '/v1/ledger/adjustments', body: () => ({ memberId: f.ada, kind: 'add', amount: 0, comment: 'c' }), status: 400, field: '/amount' },
  { name: 'adjustment: unknown member', url: () => '/v1/ledger/adjustments', body: () => ({ memberId: unknownId, kind: 'add', amount: 1, comment: 'c' }), status: 404, field: '/memberId' },
  { name: 'adjustment: unknown definition', url: () => '/v1/ledger/adjustments', body: () => ({ memberId: f.ada, balanceDefinitionId: unknownId, kind: 'add', amount: 1, comment: 'c' }), status: 404, field: '/balanceDefinitionId' },

  // Blocks
  { name: 'block: amount 0', url: () => '/v1/ledger/blocks', body: () => ({ memberId: f.ada, amount: 0 }), status: 400, field: '/amount' },
  { name: 'block: amount a float', url: () => '/v1/ledger/blocks', body: () => ({ memberId: f.ada, amount: 2.5 }), status: 400, field: '/amount' },
  { name: 'block: unknown field', url: () => '/v1/ledger/blocks', body: () => ({ memberId: f.ada, amount: 1, until: 'x' }), status: 400, field: '/until' },
  { name: 'block: no member', url: () => '/v1/ledger/blocks', body: () => ({ amount: 1 }), status: 422, field: '/memberId' },
  { name: 'block: unknown member', url: () => '/v1/ledger/blocks', body: () => ({ memberId: unknownId, amount: 1 }), status: 404, field: '/memberId' },
  { name: 'release: id not a uuid', url: () => '/v1/ledger/blocks/zz/release', status: 400, field: 'path.transactionId' },
  { name: 'release: unknown block', url: () => `/v1/ledger/blocks/${unknownId}/release`, status: 404 },

  // Transfers
  { name: 'transfer: fromMemberId not a uuid', url: () => '/v1/ledger/transfers', body: transfer({ fromMemberId: 'ada' }), status: 400, field: '/fromMemberId' },
  { name: 'transfer: toMemberId missing', url: () => '/v1/ledger/transfers', body: without('toMemberId', transfer({})), status: 400, field: '/toMemberId' },
  { name: 'transfer: amount negative', url: () => '/v1/ledger/transfers', body: transfer({ amount: -1 }), status: 400, field: '/amount' },
  { name: 'transfer: unknown field', url: () => '/v1/ledger/transfers', body: transfer({ memberId: unknownId }), status: 400, field: '/memberId' },
  { name: 'transfer: unknown receiver', url: () => '/v1/ledger/transfers', body: transfer({}), status: 404, field: '/toMemberId' },
  { name: 'transfer: to oneself', url: () => '/v1/ledger/transfers', body: () => transfer({ toMemberId: f.ada })(), status: 422, field: '/toMemberId' },
  { name: 'transfer: unknown sender', url: () => '/v1/ledger/transfers', body: () => transfer({ toMemberId: f.ada, fromMemberId: unknownId })(), status: 404, field: '/fromMemberId' },

  // Lots
  { name: 'expire lot: id not a uuid', url: () => '/v1/ledger/lots/1/expire', status: 400, field: 'path.lotId' },
  { name: 'expire lot: unknown lot', url: () => `/v1/ledger/lots/${unknownId}/expire`, status: 404 },
  { name: 'activate lot: id not a uuid', url: () => '/v1/ledger/lots/1/activate', status: 400, field: 'path.lotId' },
  { name: 'activate lot: an active lot', url: () => `/v1/ledger/lots/${f.lot}/activate`, status: 409 },

  // Reads
  { name: 'balance: id not a uuid', method: 'GET', url: () => '/v1/balances/abc', status: 400, field: 'path.balanceId' },
  { name: 'balance: unknown', method: 'GET', url: () => `/v1/balances/${unknownId}`, status: 404 },
  { name: 'transactions: unknown balance', method: 'GET', url: () => `/v1/balances/${unknownId}/transactions`, status: 404 },
  { name: 'transactions: unknown status', method: 'GET', url: () => `/v1/balances/${f.balance}/transactions?status=done`, status: 400, field: 'query.status' },
  { name: 'transactions: unknown kind', method: 'GET', url: () => `/v1/balances/${f.balance}/transactions?kind=spend`, status: 400, field: 'query.kind' },
  { name: 'transactions: from not a date', method: 'GET', url: () => `/v1/balances/${f.balance}/transactions?from=yesterday`, status: 400, field: 'query.from' },
  { name: 'transactions: to not a date', method: 'GET', url: () => `/v1/balances/${f.balance}/transactions?to=2026-13-01`, status: 400, field: 'query.to' },
  { name: 'transactions: limit 0', method: 'GET', url: () => `/v1/balances/${f.balance}/transactions?limit=0`, status: 400, field: 'query.limit' },
  { name: 'transactions: limit 201', method: 'GET', url: () => `/v1/balances/${f.balance}/transactions?limit=201`, status: 400, field: 'query.limit' },
  { name: 'transactions: bad cursor', method: 'GET', url: () => `/v1/balances/${f.balance}/transactions?cursor=bm90IGEgY3Vyc29y`, status: 422, field: 'query.cursor' },
  { name: 'transactions: unknown parameter', method: 'GET', url: () => `/v1/balances/${f.balance}/transactions?type=credit`, status: 400, field: 'query.type' },
  { name: 'lots: unknown status', method: 'GET', url: () => `/v1/balances/${f.balance}/lots?status=used`, status: 400, field: 'query.status' },
  { name: 'lots: expiresBefore not a date', method: 'GET', url: () => `/v1/balances/${f.balance}/lots?expiresBefore=soon`, status: 400, field: 'query.expiresBefore' },
  { name: 'lots: unknown balance', method: 'GET', url: () => `/v1/balances/${unknownId}/lots`, status: 404 },
  { name: 'member balances: id not a uuid', method: 'GET', url: () => '/v1/members/ada/balances', status: 400, field: 'path.memberId' },
  { name: 'member balances: unknown member', method: 'GET', url: () => `/v1/members/${unknownId}/balances`, status: 404 },
];

describe('bad input on the ledger routes', () => {
  it.each(cases)('$name → $status', async (c) => {
    const before = await ledgerSnapshot(h.db);
    const res = await l.call(c.method ?? 'POST', c.url(), c.body?.());
    expectProblem(res, c.status, c.field);
    expect(await ledgerSnapshot(h.db)).toEqual(before);
  });

  it('the ledger the bad requests aimed at is as it was, and consistent', async () => {
    expect(await l.balance(f.ada)).toMatchObject({ available: 95, blocked: 5, spent: 0, earned: 100 });
    expect(await l.events()).toEqual([]);
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });
});

describe('no input produces a 500', () => {
  const odd: unknown[] = [
    null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', 'x'.repeat(5000), '😀', '\ud800', '%00',
    "'; DROP TABLE balances; --", '0000-00-00T00:00:00Z', '9999-12-31T23:59:59.999Z', '+275760-09-13T00:00:00Z', [], [1, 'a'], {},
    { a: { b: [] } }, unknownId, '019C0000-0000-7000-8000-000000000000',
  ];
  const routes: { route: string; url: () => string; fields: string[]; base: () => Record<string, unknown> }[] = [
    { route: 'transactions', url: () => '/v1/ledger/transactions', base: tx({}),
      fields: ['memberId', 'loyaltySubscriptionId', 'balanceDefinitionId', 'kind', 'amount', 'reason', 'autoComplete', 'ttlSeconds', 'availableAt', 'comment', 'externalRef'] },
    { route: 'adjustments', url: () => '/v1/ledger/adjustments', base: () => ({ memberId: f.ada, kind: 'add', amount: 1, comment: 'c' }),
      fields: ['memberId', 'loyaltySubscriptionId', 'balanceDefinitionId', 'kind', 'amount', 'comment'] },
    { route: 'blocks', url: () => '/v1/ledger/blocks', base: () => ({ memberId: f.ada, amount: 1 }), fields: ['memberId', 'loyaltySubscriptionId', 'amount', 'comment'] },
    { route: 'transfers', url: () => '/v1/ledger/transfers', base: transfer({}), fields: ['fromMemberId', 'toMemberId', 'balanceDefinitionId', 'amount', 'comment'] },
    { route: 'reverse', url: () => `/v1/ledger/transactions/${unknownId}/reverse`, base: () => ({}), fields: ['comment'] },
  ];

  it.each(routes)('$route: odd values in every field', async ({ url, fields, base }) => {
    for (const field of fields) {
      for (const value of odd) {
        const body = { ...base(), [field]: value };
        const res = await l.call('POST', url(), body);
        expect(res.statusCode, `${field}=${JSON.stringify(value)?.slice(0, 60)} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
        if (res.statusCode >= 400) expectProblem(res, res.statusCode);
      }
    }
    // Whatever was accepted (a few odd but valid values, e.g. a comment) stays consistent.
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });

  it('odd query strings and path segments on the reads', async () => {
    const queries = ['limit=', 'limit=1e2', 'cursor=', 'cursor=%ff%fe', `cursor=${'A'.repeat(200)}`, 'status[]=pending', 'from=%00', 'expiresBefore=9999-12-31T23:59:59.999Z', 'from=+275760-09-13T00:00:00Z'];
    for (const q of queries) {
      for (const path of [`/v1/balances/${f.balance}/transactions`, `/v1/balances/${f.balance}/lots`]) {
        const res = await l.call('GET', `${path}?${q}`);
        expect(res.statusCode, `${path}?${q} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
        if (res.statusCode >= 400) expectProblem(res, res.statusCode);
      }
    }
    for (const segment of ['%00', '..', 'a'.repeat(90), '00000000-0000-0000-0000-000000000000', unknownId.toUpperCase()]) {
      for (const path of [`/v1/balances/${segment}`, `/v1/ledger/transactions/${segment}`, `/v1/balances/${segment}/lots`]) {
        const res = await l.call('GET', path);
        expect(res.statusCode, `${path} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
        if (res.statusCode >= 400) expectProblem(res, res.statusCode);
      }
    }
  });
});
