import { describe, expect, it } from 'vitest';
import { ledgerSnapshot, names, ofType, useLedgerHarness } from '../ledger/support.ts';
import type { Harness } from '../support/harness.ts';
import { memberSpend } from '../../src/storage/purchases/spend.ts';
import { purchaseProgram } from './support.ts';

/** Purchase documents: registration, matching by the program's identifier priority, later assignment, returns, imports. */

let h: Harness;
useLedgerHarness({ start: '2026-04-01T10:00:00.000Z' }, (made) => {
  h = made;
});

describe('registering and matching documents', () => {
  it("matches by each identifier in the program's priority; unmatched stays anonymous", async () => {
    const p = await purchaseProgram(h, {}, { settings: { members: { matchingPriority: ['phone', 'cardId', 'email'] } } });
    const ada = await p.register({ email: 'ada@example.com', phone: '+33612345678', cardId: 'CARD-ADA' });
    const bob = await p.register({ email: 'bob@example.com', cardId: 'CARD-BOB' });
    await p.events();

    // Phone comes first: Ada's phone wins over Bob's card.
    const byPhone = await p.sell(1000, { phone: '+33 6 12 34 56 78', cardId: 'CARD-BOB' });
    expect(byPhone.statusCode, byPhone.body).toBe(201);
    expect(byPhone.json()).toMatchObject({ memberId: ada.id, matchedBy: 'phone', documentType: 'sell', grossTotal: 1000 });
    const events = await p.events();
    expect(names(events)).toEqual(['TransactionRegistered', 'TransactionAssignedToCustomer']);
    expect(events[0].data).toMatchObject({ transactionId: byPhone.json().id, documentNumber: byPhone.json().documentNumber,
      documentType: 'sell', grossValue: 1000, currency: 'EUR', returnedDocumentNumber: null });
    expect(events[0].data.customer.customerId).toBe(ada.id);
    expect(events[1].data).toMatchObject({ transactionId: byPhone.json().id, matchedBy: 'phone' });

    const byCard = await p.sell(500, { cardId: 'CARD-BOB', email: 'ada@example.com' });
    expect(byCard.json()).toMatchObject({ memberId: bob.id, matchedBy: 'loyaltyCardNumber' });
    const byEmail = await p.sell(500, { email: ' BOB@example.com', phone: '0612345678' }); // not an international number: matches nobody
    expect(byEmail.json()).toMatchObject({ memberId: bob.id, matchedBy: 'email' });
    const byId = await p.sell(500, { memberId: ada.id, email: 'bob@example.com' });
    expect(byId.json()).toMatchObject({ memberId: ada.id, matchedBy: 'customerId' });
    await p.events();

    const anonymous = await p.sell(700, { email: 'nobody@example.com', name: 'Nobody' });
    expect(anonymous.json()).toMatchObject({ memberId: null, matchedBy: null, customer: { email: 'nobody@example.com', name: 'Nobody' } });
    const alone = await p.events();
    expect(names(alone)).toEqual(['TransactionRegistered']);
    expect(alone[0].data.customer).toBeNull();

    // A deactivated member is not matched.
    expect((await p.call('POST', `/v1/members/${bob.id}/deactivate`)).statusCode).toBe(200);
    expect((await p.sell(100, { cardId: 'CARD-BOB' })).json()).toMatchObject({ memberId: null });

    const listed = await p.all('/v1/purchases?anonymous=true');
    expect(listed.map((d) => d.grossTotal)).toEqual([700, 100]);
    const ofAda = await p.all(`/v1/purchases?memberId=${ada.id}`);
    expect(ofAda.map((d) => d.id)).toEqual([byPhone.json().id, byId.json().id]);

    // Another program sees none of it, and cannot match this program's members.
    const other = await h.newProgram('Other Club');
    const as = (method: string, url: string, body?: unknown) => h.call(method, url, { key: other.key, body });
    expect((await as('GET', `/v1/purchases/${byPhone.json().id}`)).statusCode).toBe(404);
    expect((await as('POST', `/v1/purchases/${anonymous.json().id}/assign`, { memberId: ada.id })).statusCode).toBe(404);
    expect((await as('GET', '/v1/purchases')).json().data).toEqual([]);
    const foreign = await as('POST', '/v1/purchases', { documentNumber: 'X-1', purchasedAt: '2026-04-01T09:00:00Z', currency: 'EUR', grossTotal: 1,
      customer: { phone: '+33612345678', cardId: 'CARD-ADA' } });
    expect(foreign.json()).toMatchObject({ memberId: null });
    expect((await as('POST', '/v1/purchases', { documentNumber: 'X-2', purchasedAt: '2026-04-01T09:00:00Z', currency: 'EUR', grossTotal: 1,
      customer: { memberId: ada.id } })).statusCode).toBe(422);
  });

  it('assigns an anonymous document later (matchedBy manual), then runs its campaigns', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com' });
    await p.campaign({ name: '1 point per euro', effects: [{ type: 'award_units', units: 1, perSpent: 100 }] });
    const sale = await p.sell(2599, { email: 'unknown@example.com' });
    expect(sale.json().memberId).toBeNull();
    await p.events();

    const assigned = await p.call('POST', `/v1/purchases/${sale.json().id}/assign`, { memberId: ada.id });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json()).toMatchObject({ memberId: ada.id, matchedBy: 'manual' });
    expect(assigned.json().campaigns[0].effects[0]).toMatchObject({ type: 'award_units', status: 'applied', amount: 25 });
    const events = await p.events();
    expect(names(events)).toEqual(['TransactionAssignedToCustomer', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated',
      'balance_value_updated', 'CampaignEffectWasApplied']);
    expect(events[0].data).toMatchObject({ matchedBy: 'manual', transactionId: sale.json().id });
    // The ledger credit names the event that triggered it.
    const [{ id: assignedEventId }] = await h.db.query(`SELECT assigned_event_id AS id FROM purchase_transactions WHERE id = $1`, [sale.json().id]);
    expect(events[3].source_event_id).toBe(assignedEventId);
    expect(events[4].data).toMatchObject({ effectType: 'award_units', amount: 25, transactionId: sale.json().id, walletType: { id: p.definition.id } });
    expect(await p.balance(ada.id)).toMatchObject({ available: 25 });

    const again = await p.call('POST', `/v1/purchases/${sale.json().id}/assign`, { memberId: ada.id });
    expect(again.statusCode).toBe(409);
    const other = await p.sell(100, undefined);
    const unknown = await p.call('POST', `/v1/purchases/${other.json().id}/assign`, { memberId: '01900000-0000-7000-8000-000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().errors[0].field).toBe('/memberId');
    expect((await p.call('GET', `/v1/purchases/${sale.json().id}`)).json()).toMatchObject({ memberId: ada.id, campaigns: [{ effects: [{ amount: 25 }] }] });
  });

  it('refuses bad documents with the field and changes nothing', async () => {
    const p = await purchaseProgram(h);
    await p.register({ email: 'ada@example.com' });
    expect((await p.sell(100, undefined, { documentNumber: 'DUP' })).statusCode).toBe(201);
    await p.events();
    const before = await ledgerSnapshot(h.db);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ documentNumber: 'DUP' }, 409, '/documentNumber'],
      [{ grossTotal: -1 }, 400, '/grossTotal'],
      [{ grossTotal: 10.5 }, 400, '/grossTotal'],
      [{ grossTotal: 2 ** 53 }, 400, '/grossTotal'],
      [{ items: [{ sku: 'A', grossValue: 2 ** 53 }] }, 400, '/items/0/grossValue'],
      [{ currency: 'eur' }, 400, '/currency'],
      [{ purchasedAt: 'yesterday' }, 400, '/purchasedAt'],
      [{ returnedDocumentNumber: 'DUP' }, 422, '/returnedDocumentNumber'],
      [{ documentType: 'return' }, 422, '/returnedDocumentNumber'],
      [{ documentType: 'return', returnedDocumentNumber: 'NOPE' }, 422, '/returnedDocumentNumber'],
      [{ documentType: 'return', returnedDocumentNumber: 'DUP', grossTotal: 101 }, 422, '/grossTotal'],
      [{ documentType: 'return', returnedDocumentNumber: 'DUP', currency: 'USD' }, 422, '/currency'],
      [{ items: [{ sku: 'A', grossValue: 1, quantity: 0 }] }, 400, '/items/0/quantity'],
      [{ items: [{ sku: 'A', grossValue: 60 }, { sku: 'B', grossValue: 41 }] }, 422, '/items'],
      [{ customer: { memberId: '01900000-0000-7000-8000-000000000000' } }, 422, '/customer/memberId'],
      [{ customAttributes: { EMAIL: 'x' } }, 422, '/customAttributes/EMAIL'],
    ];
    for (const [extra, status, field] of cases) {
      const response = await p.sell(100, undefined, extra);
      expect(response.statusCode, JSON.stringify(extra)).toBe(status);
      expect(response.json().errors.map((e: any) => e.field), JSON.stringify(extra)).toContain(field);
    }
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await p.events()).toEqual([]);
    expect((await p.all('/v1/purchases')).map((d) => d.documentNumber)).toEqual(['DUP']);
  });
});

describe('returns', () => {
  it("take back the units the sale earned, in proportion; refused for another member's sale", async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com', cardId: 'ADA' });
    const bob = await p.register({ email: 'bob@example.com' });
    await p.campaign({ name: '10 points per euro', effects: [{ type: 'award_units', units: 10, perSpent: 100 }] });
    const sale = await p.sell(10_000, { cardId: 'ADA' });
    expect(sale.json().campaigns[0].effects[0].amount).toBe(1000);
    await p.events();

    const other = await p.giveBack(sale.json().documentNumber, 100, { customer: { email: 'bob@example.com' } });
    expect(other.statusCode).toBe(409);
    expect(other.json().type).toBe('/problems/return-refused');
    expect(bob.id).toBeTruthy();

    // A quarter returned, without customer data: the sale's member, a quarter of the award.
    const quarter = await p.giveBack(sale.json().documentNumber, 2500);
    expect(quarter.statusCode, quarter.body).toBe(201);
    expect(quarter.json()).toMatchObject({ memberId: ada.id, matchedBy: 'customerId', documentType: 'return', returnedTransactionId: sale.json().id,
      takeBacks: [{ due: 250, taken: 250, notTaken: 0 }], campaigns: [] });
    const events = await p.events();
    expect(names(events)).toEqual(['TransactionRegistered', 'TransactionAssignedToCustomer', 'AvailablePointsAmountChanged',
      'WalletBalanceUpdated', 'balance_value_updated']);
    expect(events[0].data).toMatchObject({ documentType: 'return', returnedDocumentNumber: sale.json().documentNumber, grossValue: 2500 });
    expect(events[2].data).toMatchObject({ amountChange: -250, availableAmount: 750, reason: 'campaign' });
    const [{ id: assignedEventId }] = await h.db.query(`SELECT assigned_event_id AS id FROM purchase_transactions WHERE id = $1`, [quarter.json().id]);
    expect(events[4]).toMatchObject({ transaction: { type: 'debit', value: 250 }, source_event_id: assignedEventId });

    // The member spends most of it; the rest of the sale comes back: only what remains is taken.
    expect((await p.debit(ada.id, 700)).statusCode).toBe(201);
    const rest = await p.giveBack(sale.json().documentNumber, 7500);
    expect(rest.json().takeBacks).toEqual([expect.objectContaining({ due: 750, taken: 50, notTaken: 700, debt: 0 })]);
    expect(await p.balance(ada.id)).toMatchObject({ available: 0 });
    const more = await p.giveBack(sale.json().documentNumber, 1);
    expect(more.statusCode).toBe(422);
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
  });

  it("of a member's sale, with customer data that matches no active member, belong to the sale's member", async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com' });
    const bob = await p.register({ email: 'bob@example.com' });
    expect((await p.call('POST', `/v1/members/${bob.id}/deactivate`)).statusCode).toBe(200);
    const sale = await p.sell(1000, { email: 'ada@example.com' });
    for (const customer of [{ email: 'nobody@example.com' }, { memberId: bob.id }, { email: 'bob@example.com' }]) {
      const back = await p.giveBack(sale.json().documentNumber, 100, { customer });
      expect(back.statusCode, back.body).toBe(201);
      expect(back.json(), JSON.stringify(customer)).toMatchObject({ memberId: ada.id, matchedBy: 'customerId' });
    }
  });

  it('leave a negative balance only where the definition allows it; the ledger still adds up', async () => {
    const p = await purchaseProgram(h, { allowNegativeBalance: true });
    expect(p.definition.allowNegativeBalance).toBe(true);
    const ada = await p.register({ email: 'ada@example.com' });
    await p.campaign({ name: '10 per euro', effects: [{ type: 'award_units', units: 10, perSpent: 100 }] });
    const sale = await p.sell(1000, { email: 'ada@example.com' });
    expect((await p.debit(ada.id, 80)).statusCode).toBe(201);
    await p.events();
    const back = await p.giveBack(sale.json().documentNumber, 1000);
    expect(back.json().takeBacks).toEqual([expect.objectContaining({ due: 100, taken: 100, notTaken: 0, debt: 80 })]);
    expect(await p.balance(ada.id)).toMatchObject({ available: -80 });
    const events = await p.events();
    expect(ofType(events, 'AvailablePointsAmountChanged')[0].data).toMatchObject({ amountChange: -100, availableAmount: -80 });
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
    // Later units cover the debt first: spendable only beyond it.
    expect((await p.credit(ada.id, 100)).statusCode).toBe(201);
    expect(await p.balance(ada.id)).toMatchObject({ available: 20 });
    expect((await p.debit(ada.id, 21)).statusCode).toBe(422);
    expect((await p.debit(ada.id, 20)).statusCode).toBe(201);
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
    const off = await p.call('PATCH', `/v1/balance-definitions/${p.definition.id}`, { allowNegativeBalance: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().allowNegativeBalance).toBe(false);
  });

  it('take from the lot the sale earned first, then from other units; a pending lot too', async () => {
    const p = await purchaseProgram(h, { pendingDays: 14 });
    const ada = await p.register({ email: 'ada@example.com' });
    await p.campaign({ name: 'fixed 100', effects: [{ type: 'award_units', units: 100 }] });
    const sale = await p.sell(1000, { email: 'ada@example.com' });
    expect(await p.balance(ada.id)).toMatchObject({ available: 0, pending: 100 });
    const half = await p.giveBack(sale.json().documentNumber, 500);
    expect(half.json().takeBacks[0]).toMatchObject({ due: 50, taken: 50, notTaken: 0 });
    expect(await p.balance(ada.id)).toMatchObject({ available: 0, pending: 50 });
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
  });

  it("take from the lot the sale earned before the member's older units, then from the others", async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com' });
    expect((await p.credit(ada.id, 100)).statusCode).toBe(201); // an older lot: a plain debit takes it first
    await p.campaign({ name: 'fixed 100', effects: [{ type: 'award_units', units: 100 }] });
    const sale = await p.sell(1000, { email: 'ada@example.com' });
    const earned = sale.json().campaigns[0].effects[0].ledgerTransactionId;
    // Remaining units of each lot, oldest first, the sale's marked.
    const lots = async () => (await p.all(`/v1/balances/${(await p.balanceOf(ada.id)).id}/lots`))
      .map((l) => (l.transactionId === earned ? `sale:${l.remaining}` : l.remaining));
    expect((await p.giveBack(sale.json().documentNumber, 500)).json().takeBacks[0]).toMatchObject({ due: 50, taken: 50 });
    expect(await lots()).toEqual([100, 'sale:50']);
    expect((await p.debit(ada.id, 120)).statusCode).toBe(201);
    expect(await lots()).toEqual([0, 'sale:30']);
    expect((await p.credit(ada.id, 40)).statusCode).toBe(201);
    // The sale's lot holds 30 of the 50 due: the other 20 come from the member's other units.
    const rest = await p.giveBack(sale.json().documentNumber, 500);
    expect(rest.json().takeBacks[0]).toMatchObject({ due: 50, taken: 50, notTaken: 0 });
    expect(await lots()).toEqual([0, 'sale:0', 20]);
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
  });

  it('an anonymous sale assigned later brings its anonymous returns, which take back their share', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com' });
    await p.campaign({ name: '1 per euro', effects: [{ type: 'award_units', units: 1, perSpent: 100 }] });
    const sale = await p.sell(4000, undefined);
    const ret = await p.giveBack(sale.json().documentNumber, 1000);
    expect(ret.json()).toMatchObject({ memberId: null, takeBacks: [] });
    const matched = await p.giveBack(sale.json().documentNumber, 1000, { customer: { email: 'ada@example.com' } });
    expect(matched.statusCode).toBe(409);
    const early = await p.call('POST', `/v1/purchases/${ret.json().id}/assign`, { memberId: ada.id });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ type: '/problems/return-refused', errors: [{ field: '/returnedDocumentNumber' }] });
    await p.events();
    const assigned = await p.call('POST', `/v1/purchases/${sale.json().id}/assign`, { memberId: ada.id });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(names(await p.events()).filter((n) => n === 'TransactionAssignedToCustomer')).toHaveLength(2);
    expect((await p.call('GET', `/v1/purchases/${ret.json().id}`)).json()).toMatchObject({ memberId: ada.id, takeBacks: [{ due: 10, taken: 10 }] });
    expect(await p.balance(ada.id)).toMatchObject({ available: 30 });
    // What tiers read: sales less returns, since a time.
    expect(await memberSpend(h.db, p.program.id, ada.id, null)).toBe(3000n);
    expect(await memberSpend(h.db, p.program.id, ada.id, new Date('2026-04-01T12:00:00Z'))).toBe(-1000n);
  });
});

describe('POST /v1/purchases/imports', () => {
  it('registers good rows (JSON lines and CSV), reports bad ones by line, and applies nothing twice', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com' });
    await p.campaign({ name: '1 per euro', effects: [{ type: 'award_units', units: 1, perSpent: 100 }] });
    const jsonl = [
      JSON.stringify({ documentNumber: 'I-1', purchasedAt: '2026-03-01T10:00:00Z', currency: 'EUR', grossTotal: 1000, customer: { email: 'ada@example.com' } }),
      '{not json',
      JSON.stringify({ documentNumber: 'I-2', purchasedAt: '2026-03-01T10:00:00Z', currency: 'EUR' }),
      JSON.stringify({ documentNumber: 'I-3', documentType: 'return', returnedDocumentNumber: 'I-1', purchasedAt: '2026-03-02T10:00:00Z', currency: 'EUR', grossTotal: 500 }),
      JSON.stringify({ documentNumber: 'I-4', documentType: 'return', returnedDocumentNumber: 'NOPE', purchasedAt: '2026-03-02T10:00:00Z', currency: 'EUR', grossTotal: 5 }),
    ].join('\n');
    const send = (body: string, type: string) => h.app.inject({ method: 'POST', url: '/v1/purchases/imports',
      headers: { authorization: `Bearer ${p.program.key}`, 'content-type': type }, payload: body });
    const first = await send(jsonl, 'application/x-ndjson');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ rows: 5, applied: 2, skipped: [] });
    expect(first.json().errors).toEqual([
      { line: 2, field: null, message: 'is not valid JSON' },
      { line: 3, field: '/grossTotal', message: 'is required' },
      { line: 5, field: '/returnedDocumentNumber', message: 'is not a document registered in this program' },
    ]);
    expect(await p.balance(ada.id)).toMatchObject({ available: 5 });
    const events = await p.events();
    expect(ofType(events, 'TransactionRegistered').map((e) => e.data.documentNumber)).toEqual(['I-1', 'I-3']);
    expect(ofType(events, 'CampaignEffectWasApplied')).toHaveLength(1);

    const again = await send(jsonl, 'application/x-ndjson');
    expect(again.json()).toMatchObject({ applied: 0, skipped: [{ line: 1, ref: 'I-1' }, { line: 4, ref: 'I-3' }] });
    expect(await p.balance(ada.id)).toMatchObject({ available: 5 });

    const csv = 'documentNumber,purchasedAt,currency,grossTotal,customer.email,items\n'
      + 'C-1,2026-03-03T10:00:00Z,EUR,300,ada@example.com,"[{""sku"":""A"",""grossValue"":300}]"\n'
      + 'C-2,2026-03-03T10:00:00Z,EUR,abc,ada@example.com,[]\n'
      + 'C-3,2026-03-03T10:00:00Z,EUR,300,ada@example.com,[oops\n';
    const fromCsv = await send(csv, 'text/csv');
    expect(fromCsv.json()).toMatchObject({ rows: 3, applied: 1 });
    expect(fromCsv.json().errors.map((e: any) => [e.line, e.field])).toEqual([[3, '/grossTotal'], [4, null]]);
    expect((await p.all('/v1/purchases')).find((d) => d.documentNumber === 'C-1').items).toEqual([
      { sku: 'A', name: null, quantity: 1, grossValue: 300, category: null, maker: null, labels: [] }]);
    expect(await p.balance(ada.id)).toMatchObject({ available: 8 });

    // The same CSV again: its one registered row is skipped, nothing is applied or sent twice.
    await p.events();
    const csvAgain = await send(csv, 'text/csv');
    expect(csvAgain.json()).toMatchObject({ rows: 3, applied: 0, skipped: [{ line: 2, ref: 'C-1', reason: 'already registered' }] });
    expect(csvAgain.json().errors.map((e: any) => e.line)).toEqual([3, 4]);
    expect(await p.balance(ada.id)).toMatchObject({ available: 8 });
    expect(await p.events()).toEqual([]);
    expect((await p.all('/v1/purchases')).filter((d) => d.documentNumber === 'C-1')).toHaveLength(1);
  });
});

describe('atomicity', () => {
  it('a failure after TransactionRegistered commits nothing: no document, no event, no units', async () => {
    const p = await purchaseProgram(h);
    const ada = await p.register({ email: 'ada@example.com' });
    await p.campaign({ name: '1 per euro', effects: [{ type: 'award_units', units: 1, perSpent: 100 }] });
    await p.events();
    const before = await ledgerSnapshot(h.db);
    // A real database error late in the transaction: the campaign run is the last row a sale writes,
    // after the document, TransactionRegistered, TransactionAssignedToCustomer and the award.
    await h.db.query(`CREATE FUNCTION refuse_run() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'campaign runs refused for this test'; END $$`);
    await h.db.query(`CREATE TRIGGER refuse_run BEFORE INSERT ON campaign_runs FOR EACH ROW
      WHEN (NEW.program_id = '${p.program.id}') EXECUTE FUNCTION refuse_run()`);
    try {
      const failed = await p.sell(1000, { email: 'ada@example.com' }, { documentNumber: 'ATOMIC-1' });
      expect(failed.statusCode).toBe(500);
      const imported = await h.app.inject({ method: 'POST', url: '/v1/purchases/imports',
        headers: { authorization: `Bearer ${p.program.key}`, 'content-type': 'application/x-ndjson' },
        payload: JSON.stringify({ documentNumber: 'ATOMIC-2', purchasedAt: '2026-04-01T09:00:00Z', currency: 'EUR', grossTotal: 1000, customer: { email: 'ada@example.com' } }) });
      expect(imported.statusCode).toBe(500);
    } finally {
      await h.db.query(`DROP TRIGGER refuse_run ON campaign_runs`);
      await h.db.query(`DROP FUNCTION refuse_run()`);
    }
    expect(await p.all('/v1/purchases')).toEqual([]);
    expect(await h.db.query(`SELECT type FROM events WHERE program_id = $1 AND type LIKE 'Transaction%'`, [p.program.id])).toEqual([]);
    expect(await p.events()).toEqual([]);
    expect(await ledgerSnapshot(h.db)).toEqual(before);
    expect(await p.balance(ada.id)).toBeUndefined();

    // Nothing was left behind: the same document registers now, with its events and units.
    const sale = await p.sell(1000, { email: 'ada@example.com' }, { documentNumber: 'ATOMIC-1' });
    expect(sale.statusCode, sale.body).toBe(201);
    expect(names(await p.events())).toEqual(['TransactionRegistered', 'TransactionAssignedToCustomer',
      'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated', 'CampaignEffectWasApplied']);
    expect(await p.balance(ada.id)).toMatchObject({ available: 10 });
  });
});
