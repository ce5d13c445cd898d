import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { countEvents, ledgerProgram, ledgerSnapshot, names, useLedgerHarness } from './support.ts';

/**
 * Bulk imports of unit transfers, as JSON lines or CSV: every row validated, good rows applied
 * with their events (reason import), bad rows reported by line number, and a second run of the
 * same file applying nothing.
 */

let h: Harness;
useLedgerHarness({ start: '2026-02-02T10:00:00.000Z' }, (made) => {
  h = made;
});

const unknownId = '019c0000-0000-7000-8000-000000000000';
type Program = Awaited<ReturnType<typeof ledgerProgram>>;

function upload(l: Program, body: string, contentType: string) {
  return h.call('POST', '/v1/ledger/imports', { key: l.program.key, body, headers: { 'content-type': contentType } });
}

describe('JSON lines', () => {
  it('applies the good rows with their events and reports the bad ones by line; the same file again applies nothing', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    await l.events();
    const lines = [
      JSON.stringify({ ref: 'r1', memberId: ada.id, kind: 'credit', amount: 100 }),
      JSON.stringify({ ref: 'r2', loyaltySubscriptionId: bob.subscription.loyaltySubscriptionId, kind: 'credit', amount: 50, comment: 'welcome' }),
      '{"ref": "r3", "memberId": ',
      JSON.stringify({ memberId: ada.id, kind: 'credit', amount: 5 }),
      JSON.stringify({ ref: 'r5', memberId: unknownId, kind: 'credit', amount: 5 }),
      JSON.stringify({ ref: 'r6', memberId: bob.id, kind: 'debit', amount: 500 }),
      JSON.stringify({ ref: 'r1', memberId: bob.id, kind: 'credit', amount: 1 }),
      '',
      JSON.stringify({ ref: 'r9', memberId: ada.id, kind: 'debit', amount: 30 }),
      JSON.stringify({ ref: 'r10', memberId: ada.id, kind: 'credit', amount: 1.5 }),
      JSON.stringify({ ref: 'r11', memberId: ada.id, kind: 'credit', amount: 5, colour: 'red' }),
      '[1, 2]',
      JSON.stringify({ ref: 'r13', kind: 'credit', amount: 5 }),
      JSON.stringify({ ref: 'r14', memberId: ada.id, balanceDefinitionId: unknownId, kind: 'credit', amount: 5 }),
      JSON.stringify({ ref: 'r15', memberId: ada.id, kind: 'transfer', amount: 5 }),
    ];
    const file = lines.join('\n') + '\n';

    const first = await upload(l, file, 'application/x-ndjson');
    expect(first.statusCode, first.body).toBe(200);
    const report = first.json();
    expect(report).toMatchObject({ rows: 14, applied: 3, skipped: [] });
    expect(report.errors.map((e: any) => [e.line, e.field])).toEqual([
      [3, null], [4, '/ref'], [5, '/memberId'], [6, '/amount'], [7, '/ref'], [10, '/amount'], [11, '/colour'],
      [12, null], [13, '/memberId'], [14, '/balanceDefinitionId'], [15, '/kind'],
    ]);
    const messages = Object.fromEntries(report.errors.map((e: any) => [e.line, e.message]));
    expect(messages[3]).toBe('is not valid JSON');
    expect(messages[4]).toBe('is required');
    expect(messages[6]).toBe('Amount falls below available balance amount');
    expect(messages[7]).toBe('appears twice in this file');
    expect(messages[11]).toMatch(/^is not a known field/);
    expect(messages[12]).toBe('is not a JSON object');
    expect(messages[15]).toBe('must be one of credit, debit');

    const events = await l.events();
    expect(names(events)).toEqual([
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
      'balance_transaction_unauthorized',
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
    ]);
    expect(events.filter((e) => e.type).map((e) => [e.data.customer.customerId, e.data.reason, e.data.amountChange])).toEqual([
      [ada.id, 'import', 100], [ada.id, 'import', 100], [bob.id, 'import', 50], [bob.id, 'import', 50], [ada.id, 'import', -30], [ada.id, 'import', -30]]);
    expect(events.filter((e) => e.event_name).every((e) => e.source === 'import')).toBe(true);
    expect(events[6]).toMatchObject({ contact_id: bob.contactId, transaction: { type: 'debit', value: 500 } });
    expect(await l.balance(ada.id)).toMatchObject({ available: 70, spent: 30, earned: 100 });
    expect(await l.balance(bob.id)).toMatchObject({ available: 50, earned: 50 });
    const history = await l.all(`/v1/balances/${(await l.balance(bob.id)).id}/transactions`);
    expect(history).toMatchObject([{ kind: 'credit', reason: 'import', amount: 50, externalRef: 'import:r2', comment: 'welcome', status: 'completed' }]);

    // Again: every applied row is skipped; the bad rows are reported again; no unit moves.
    const before = await ledgerSnapshot(h.db);
    const second = await upload(l, file, 'application/x-ndjson');
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ rows: 14, applied: 0,
      skipped: [{ line: 1, ref: 'r1', reason: 'already imported' }, { line: 2, ref: 'r2', reason: 'already imported' }, { line: 9, ref: 'r9', reason: 'already imported' }] });
    expect(second.json().errors.map((e: any) => e.line)).toEqual(report.errors.map((e: any) => e.line));
    const after = await ledgerSnapshot(h.db);
    expect({ ...after, events: null }).toEqual({ ...before, events: null });
    // Only the refused row fired again.
    expect(names(await l.events())).toEqual(['balance_transaction_unauthorized']);
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });

  it('a file of good rows only, run twice: all applied, then all skipped', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const file = [1, 2, 3].map((i) => JSON.stringify({ ref: `g${i}`, memberId: ada.id, kind: 'credit', amount: i * 10 })).join('\r\n');
    expect((await upload(l, file, 'application/x-ndjson')).json()).toEqual({ rows: 3, applied: 3, skipped: [], errors: [] });
    await l.events();
    const again = await upload(l, file, 'application/x-ndjson');
    expect(again.json()).toMatchObject({ rows: 3, applied: 0, errors: [] });
    expect(again.json().skipped.map((s: any) => s.line)).toEqual([1, 2, 3]);
    expect(await l.events()).toEqual([]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 60 });
  });
});

describe('CSV', () => {
  it('reads a header row, quoted cells (commas, quotes, line breaks), and reports bad rows by their line in the file', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    await l.events();
    const file = [
      'ref,memberId,kind,amount,comment',
      `c1,${ada.id},credit,120,"gift, with a comma and ""quotes"""`,
      `c2,${bob.id},credit,80,"two`,
      `lines"`,
      `c3,${ada.id},credit,abc,`,
      `c4,${ada.id},credit`,
      `c5,${bob.id},debit,30,`,
      `,${bob.id},credit,1,`,
      `c7,${ada.id},credit,-5,`,
    ].join('\n');
    const response = await upload(l, file, 'text/csv; charset=utf-8');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ rows: 7, applied: 3, skipped: [] });
    expect(response.json().errors.map((e: any) => [e.line, e.field])).toEqual([[5, '/amount'], [6, null], [8, '/ref'], [9, '/amount']]);
    expect(response.json().errors[1].message).toBe('has 3 cells, the header has 5');

    const events = await l.events();
    expect(names(events)).toEqual(Array(3).fill(['AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated']).flat());
    expect(events.filter((e) => e.type === 'AvailablePointsAmountChanged').map((e) => [e.data.reason, e.data.amountChange])).toEqual([['import', 120], ['import', 80], ['import', -30]]);
    const adaHistory = await l.all(`/v1/balances/${(await l.balance(ada.id)).id}/transactions`);
    expect(adaHistory.map((t) => t.comment)).toEqual(['gift, with a comma and "quotes"']);
    const bobHistory = await l.all(`/v1/balances/${(await l.balance(bob.id)).id}/transactions`);
    expect(bobHistory.map((t) => t.comment)).toEqual(['two\nlines', null]);
    expect(await l.balance(bob.id)).toMatchObject({ available: 50, spent: 30 });

    const again = await upload(l, file, 'text/csv');
    expect(again.json()).toMatchObject({ applied: 0, skipped: [{ line: 2 }, { line: 3 }, { line: 7 }] });
    expect(await l.events()).toEqual([]);
  });
});

describe('the request itself', () => {
  it('refuses a body that is not JSON lines or CSV, and an empty file', async () => {
    const l = await ledgerProgram(h);
    await l.events();
    const before = await ledgerSnapshot(h.db);
    const asJson = await upload(l, JSON.stringify({ ref: 'x' }), 'application/json');
    expect(asJson.statusCode).toBe(415);
    expect(asJson.headers['content-type']).toMatch(/^application\/problem\+json/);
    const asText = await upload(l, 'ref\nx', 'text/plain');
    expect(asText.statusCode).toBe(415);
    const empty = await upload(l, '\n\n', 'application/x-ndjson');
    expect(empty.statusCode).toBe(422);
    expect(empty.json().errors[0].field).toBe('/body');
    const headerOnly = await upload(l, 'ref,memberId,kind,amount\n', 'text/csv');
    expect(headerOnly.statusCode).toBe(422);
    expect(await ledgerSnapshot(h.db)).toEqual(before);
  });
});

describe('at the same time', () => {
  it('the same file sent twice at once applies each row once; the other request skips or reports it, never a 500', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const file = Array.from({ length: 30 }, (_, i) => JSON.stringify({ ref: `twice-${i}`, memberId: ada.id, kind: 'credit', amount: 1 })).join('\n');
    const [one, two] = await Promise.all([upload(l, file, 'application/x-ndjson'), upload(l, file, 'application/x-ndjson')]);
    expect([one.statusCode, two.statusCode], `${one.body.slice(0, 300)} ${two.body.slice(0, 300)}`).toEqual([200, 200]);
    expect(one.json().applied + two.json().applied).toBe(30);
    expect(one.json().errors).toEqual([]);
    expect(two.json().errors).toEqual([]);
    expect(one.json().skipped.length + two.json().skipped.length).toBe(30);
    expect(await l.balance(ada.id)).toMatchObject({ available: 30, earned: 30 });
    expect((await countEvents(h.db, l.program.id)).balance_value_updated).toBe(30);
    await l.events();
  });

  it('one externalRef sent in two transactions at once: one is created, the other is a 409 naming the field', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const results = await Promise.all(Array.from({ length: 4 }, () => l.credit(ada.id, 10, { externalRef: 'order-77' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    for (const refused of results.filter((r) => r.statusCode === 409)) expect(refused.json().errors[0].field).toBe('/externalRef');
    expect(await l.balance(ada.id)).toMatchObject({ available: 10 });
    await l.events();
  });
});

describe('a large file', () => {
  it('imports 2,000 rows in one request, with all their events, and a second run skips them all', { timeout: 180_000 }, async () => {
    const l = await ledgerProgram(h);
    const members: any[] = [];
    for (let i = 0; i < 20; i++) members.push(await l.member(`m${i}@example.com`));
    const rows = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ ref: `big-${i}`, memberId: members[i % 20].id, kind: 'credit', amount: 1 + (i % 7) }));
    const file = rows.join('\n');
    const started = Date.now();
    const response = await upload(l, file, 'application/x-ndjson');
    const took = Date.now() - started;
    expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
    expect(response.json()).toMatchObject({ rows: 2000, applied: 2000, skipped: [], errors: [] });
    const counts = await countEvents(h.db, l.program.id);
    expect(counts).toMatchObject({ AvailablePointsAmountChanged: 2000, WalletBalanceUpdated: 2000, balance_value_updated: 2000 });
    const expected = new Map<string, number>();
    for (let i = 0; i < 2000; i++) expected.set(members[i % 20].id, (expected.get(members[i % 20].id) ?? 0) + 1 + (i % 7));
    for (const member of members) expect((await l.balance(member.id)).available).toBe(expected.get(member.id));
    expect(await l.check()).toEqual({ consistent: true, differences: [] });

    const again = await upload(l, file, 'application/x-ndjson');
    expect(again.json()).toMatchObject({ rows: 2000, applied: 0, errors: [] });
    expect(again.json().skipped).toHaveLength(2000);
    expect(await countEvents(h.db, l.program.id)).toEqual(counts);
    console.log(`2,000-row import: ${took} ms`);
  });
});
