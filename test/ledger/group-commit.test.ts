/**
 * The ledger's group commit (services/ledger/movement-batcher.ts, movement-batch.ts): plain
 * completed credits and debits that arrive together go as one database transaction. Same rules,
 * rows and events as one by one; each request still answers for itself.
 */
import { describe, expect, it } from 'vitest';
import { refusals } from '../../src/domain/ledger/refusals.ts';
import { programScope } from '../../src/services/emit-context.ts';
import { completeMovementBatch, type MovementOutcome } from '../../src/services/ledger/movement-batch.ts';
import { movementBatchStats } from '../../src/services/ledger/movement-batcher.ts';
import type { TransactionInput } from '../../src/services/ledger/movement.ts';
import { createTransaction } from '../../src/services/ledger/transactions.ts';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram, ofType, useLedgerHarness } from './support.ts';

let h: Harness;
useLedgerHarness({ start: '2026-03-01T09:00:00.000Z' }, (made) => {
  h = made;
});

/** Lots expire one year after their credit, to the millisecond: each lot its own expiry, so the earliest one moves. */
const definition = {
  expiry: { kind: 'duration', amount: 1, unit: 'year', alignment: 'none' },
  minimum: 5, maximum: 1000, maximumStrategy: 'partial',
};

/** Keys whose values differ between two programs' identical runs: a member's contact number and card number. */
const perMember = new Set(['contactId', 'contact_id', 'loyaltyCardNumber', 'ext_id']);

/**
 * A program's outbox in sequence order, ids (and members' numbers) replaced by their order of
 * first appearance: two programs' identical runs compare equal.
 */
async function outbox(programId: string) {
  const rows = await h.db.query<{ sequence: number; type: string; body: string }>(
    `SELECT sequence, type, body FROM events WHERE program_id = $1 ORDER BY sequence`, [programId]);
  const seen = new Map<string, string>();
  const placeholder = (value: unknown) => {
    const key = JSON.stringify(value);
    if (!seen.has(key)) seen.set(key, `#${seen.size + 1}`);
    return seen.get(key)!;
  };
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  return rows.map((row) => ({
    sequence: row.sequence,
    type: row.type,
    body: JSON.parse(row.body.replace(uuid, placeholder), (key, value) => (perMember.has(key) && value !== null ? placeholder(value) : value)),
  }));
}

/** What a program's ledger holds, without ids: figures and lots in order. */
async function ledgerOf(programId: string) {
  const balances = await h.db.query(
    `SELECT available, pending, blocked, spent, expired, earned FROM balances WHERE program_id = $1 ORDER BY created_at, id`, [programId]);
  const lots = await h.db.query(
    `SELECT amount, remaining, status, expires_at AS "expiresAt" FROM lots WHERE program_id = $1 ORDER BY created_at, id`, [programId]);
  const allocations = await h.db.query(
    `SELECT a.amount, l.amount AS "lotAmount" FROM lot_allocations a JOIN lots l ON l.id = a.lot_id WHERE a.program_id = $1
     ORDER BY a.transaction_id, l.created_at, l.id`, [programId]);
  return { balances, lots, allocations };
}

/** What a service call would answer over HTTP: 201 and the transaction, or the problem's status. */
const answer = (call: Promise<{ id: string }>) =>
  call.then((t) => ({ statusCode: 201, json: () => t as { id: string } }),
    (problem: { status?: number }) => ({ statusCode: problem.status ?? 500, json: () => problem as { id: string } }));

/** Two members with a balance credited 100 and 200 an hour apart (each lot its own expiry). */
async function twoMembers(l: Awaited<ReturnType<typeof ledgerProgram>>) {
  const ada = await l.member('ada@example.com');
  const bob = await l.member('bob@example.com');
  expect((await l.credit(ada.id, 100)).statusCode).toBe(201);
  h.clock.advance(3_600_000);
  expect((await l.credit(bob.id, 200)).statusCode).toBe(201);
  h.clock.advance(3_600_000);
  return { ada, bob };
}

describe('group commit of credits and debits', () => {
  it('a batch gives the same outcomes, rows and events as the same requests one by one', async () => {
    const started = h.clock.now();
    const one = await ledgerProgram(h, definition);
    const oneMembers = await twoMembers(one);
    h.clock.set(started);
    const batched = await ledgerProgram(h, definition);
    const batchedMembers = await twoMembers(batched);

    const requests = (m: { ada: { id: string }; bob: { id: string } }): TransactionInput[] => [
      { memberId: m.ada.id, kind: 'credit', amount: 50, autoComplete: true },
      // 100 from the older lot, 20 from the one just credited in the same batch.
      { memberId: m.ada.id, kind: 'debit', amount: 120, autoComplete: true },
      { memberId: m.ada.id, kind: 'debit', amount: 1000, autoComplete: true }, // refused: 30 available
      { memberId: m.bob.id, kind: 'debit', amount: 196, autoComplete: true }, // down to 4: under the minimum
      { memberId: m.bob.id, kind: 'credit', amount: 5000, autoComplete: true, sourceEventId: '0190a000-0000-7000-8000-000000000001' }, // cut to the maximum
      { memberId: m.bob.id, kind: 'credit', amount: 1, autoComplete: true }, // refused: at the maximum
      { memberId: m.ada.id, kind: 'debit', amount: 30, autoComplete: true }, // the whole balance: the earliest expiry is gone
    ];

    // One by one: an externalRef keeps each request out of the group commit.
    const oneByOne: string[] = [];
    for (const [n, input] of requests(oneMembers).entries()) {
      const outcome = await createTransaction(h.ctx, one.program.id, { ...input, externalRef: `r${n}` }).then(
        (t) => `completed ${t.kind} ${t.amount}`, (problem) => `refused ${problem.status} ${problem.code}`);
      oneByOne.push(outcome);
    }
    const outcomes = await h.db.transaction(async (tx) =>
      completeMovementBatch(tx, await programScope(tx, h.ctx, batched.program.id, 'api'), requests(batchedMembers)));
    const described = outcomes.map((o: MovementOutcome) =>
      o.kind === 'completed' ? `completed ${o.transaction.kind} ${o.transaction.amount}` : o.kind === 'refused' ? `refused ${o.refusal.status} ${o.refusal.code}` : 'alone');

    expect(described).toEqual(oneByOne);
    expect(described).toEqual([
      'completed credit 50', 'completed debit 120', `refused 422 ${refusals.insufficient.code}`, 'completed debit 196',
      'completed credit 996', `refused ${refusals.maximum.status} ${refusals.maximum.code}`, 'completed debit 30',
    ]);
    expect(await ledgerOf(batched.program.id)).toEqual(await ledgerOf(one.program.id));
    const events = await outbox(batched.program.id);
    expect(events).toEqual(await outbox(one.program.id));
    // The comparison covers what the batch computes itself: earliest expiry, first change, minimum and maximum.
    const values = ofType(events.map((e) => e.body), 'balance_value_updated');
    expect(values.map((v) => [v.initial_value, v.value, v.expiration_date !== null])).toEqual([
      [0, 100, true], [0, 200, true], [100, 150, true], [150, 30, true], [200, 4, true], [4, 1000, true], [30, 0, false],
    ]);
    expect(events.map((e) => e.type)).toContain('balance_minimum_value_reached');
    expect(events.filter((e) => e.type === 'balance_maximum_value_reached')).toHaveLength(2);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, n) => n + 1));
    expect(await batched.check()).toEqual({ consistent: true, differences: [] });
  });

  it('leaves to the one-by-one path what it cannot take: unknown members, unopened balances, velocity limits', async () => {
    const l = await ledgerProgram(h);
    const limited = await l.define({ velocityLimits: [{ direction: 'debit', measure: 'count', limit: 1, period: 'day', window: 'sliding' }] });
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    expect((await l.credit(ada.id, 100)).statusCode).toBe(201);
    const outcomes = await h.db.transaction(async (tx) => completeMovementBatch(tx, await programScope(tx, h.ctx, l.program.id, 'api'), [
      { memberId: '0190a000-0000-7000-8000-00000000dead', kind: 'credit', amount: 5, autoComplete: true },
      { memberId: bob.id, kind: 'credit', amount: 5, autoComplete: true },
      { memberId: ada.id, kind: 'debit', amount: 5, autoComplete: true, balanceDefinitionId: limited.id },
      { memberId: ada.id, kind: 'debit', amount: 5, autoComplete: true },
    ]));
    expect(outcomes.map((o) => o.kind)).toEqual(['alone', 'alone', 'alone', 'completed']);
    // Through the API the same requests answer as they always did.
    const unknown = await l.credit('0190a000-0000-7000-8000-00000000dead', 5);
    expect(unknown.statusCode).toBe(404);
    expect((await l.credit(bob.id, 5)).statusCode).toBe(201);
    expect((await l.debit(ada.id, 5, { balanceDefinitionId: limited.id })).statusCode).toBe(422); // nothing in that balance
  });

  it('a debit needing more lots than the first read brings reads the rest, in spending order', async () => {
    const l = await ledgerProgram(h, { expiry: { kind: 'duration', amount: 1, unit: 'year', alignment: 'none' } });
    const ada = await l.member('ada@example.com');
    for (let n = 0; n < 20; n++) {
      expect((await l.credit(ada.id, 5)).statusCode).toBe(201);
      h.clock.advance(1000);
    }
    const [outcome] = await h.db.transaction(async (tx) => completeMovementBatch(tx, await programScope(tx, h.ctx, l.program.id, 'api'), [
      { memberId: ada.id, kind: 'debit', amount: 92, autoComplete: true },
    ]));
    expect(outcome.kind).toBe('completed');
    const taken = await h.db.query<{ amount: number; remaining: number }>(
      `SELECT a.amount, l.remaining FROM lot_allocations a JOIN lots l ON l.id = a.lot_id WHERE a.transaction_id = $1 ORDER BY l.created_at`,
      [(outcome as { transaction: { id: string } }).transaction.id]);
    // The 18 oldest lots (soonest to expire) whole, 2 units of the 19th; the 20th untouched.
    expect(taken.map((t) => t.amount)).toEqual([...Array(18).fill(5), 2]);
    expect(taken.map((t) => t.remaining)).toEqual([...Array(18).fill(0), 3]);
    expect(await l.balance(ada.id)).toMatchObject({ available: 8, spent: 92 });
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });

  it('requests arriving together share a transaction; every figure, event and sequence adds up', async () => {
    const l = await ledgerProgram(h);
    const members: { id: string }[] = [];
    for (const name of ['ada', 'bob', 'cy', 'dee']) {
      const member = await l.member(`${name}@example.com`);
      expect((await l.credit(member.id, 300)).statusCode).toBe(201);
      members.push(member);
    }
    const before = { ...movementBatchStats(h.ctx) };
    // A fixed mix (no randomness): credits of 1..40 and debits of 1..70 over four balances of 300.
    const requests = Array.from({ length: 240 }, (_, n) => ({
      member: members[n % 4], kind: n % 3 === 0 ? 'credit' : 'debit', amount: 1 + ((n * 37) % (n % 3 === 0 ? 40 : 70)),
    }));
    // Submitted in one go, as a busy API process would: the group commit takes them in batches.
    const responses = await Promise.all(requests.map((r) => answer(createTransaction(h.ctx, l.program.id,
      { memberId: r.member.id, kind: r.kind as 'credit' | 'debit', amount: r.amount, autoComplete: true }))));
    const after = movementBatchStats(h.ctx);

    expect(responses.map((r) => r.statusCode).every((s) => s === 201 || s === 422)).toBe(true);
    const completed = responses.filter((r) => r.statusCode === 201).length;
    const refused = responses.length - completed;
    expect(refused).toBeGreaterThan(0); // the debits outweigh the credits: some must be refused
    expect(after.batched - before.batched).toBe(240);
    expect(after.failedBatches).toBe(before.failedBatches);
    expect(after.batches - before.batches).toBeLessThan(240); // several requests per transaction

    const events = await h.db.query<{ sequence: number; type: string; body: string }>(
      `SELECT sequence, type, body FROM events WHERE program_id = $1 ORDER BY sequence`, [l.program.id]);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, n) => n + 1));
    const fresh = events.slice(-(refused + 3 * completed));
    expect(fresh.filter((e) => e.type === 'balance_transaction_unauthorized')).toHaveLength(refused);
    expect(fresh.filter((e) => e.type === 'WalletBalanceUpdated')).toHaveLength(completed);
    // Per balance, in sequence order, each change starts where the previous one ended and ends at the balance's figure.
    const memberOf = new Map(responses.flatMap((r, n) => (r.statusCode === 201 ? [[r.json().id as string, requests[n].member.id as string]] : [])));
    const changes = fresh.filter((e) => e.type === 'AvailablePointsAmountChanged').map((e) => JSON.parse(e.body).data);
    expect(changes).toHaveLength(completed);
    for (const member of members) {
      let available = 300;
      for (const change of changes.filter((c) => memberOf.get(c.transferId) === member.id)) {
        expect(change.availableAmount).toBe(available + change.amountChange);
        available = change.availableAmount;
      }
      expect((await l.balance(member.id)).available).toBe(available);
    }
    expect(await l.check()).toEqual({ consistent: true, differences: [] });
  });

  it('requests submitted in one turn of the event loop go as one batch, though a batch could start at once', async () => {
    const l = await ledgerProgram(h);
    const members: { id: string }[] = [];
    for (let n = 0; n < 6; n++) {
      const member = await l.member(`m${n}@example.com`);
      expect((await l.credit(member.id, 100)).statusCode).toBe(201);
      members.push(member);
    }
    const before = { ...movementBatchStats(h.ctx) };
    // Every batch slot is free: started at once, the first requests would each have gone alone
    // (and on PGlite, whose statements run on this thread, every request would have).
    const responses = await Promise.all(members.map((m) => answer(createTransaction(h.ctx, l.program.id,
      { memberId: m.id, kind: 'debit', amount: 10, autoComplete: true }))));
    const after = movementBatchStats(h.ctx);
    expect(responses.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    expect(after.batches - before.batches).toBe(1);
    expect(after.batched - before.batched).toBe(6);
    for (const m of members) expect((await l.balance(m.id)).available).toBe(90);
  });

  it('a batch that fails as a whole is retried request by request, each answering for itself', async () => {
    const l = await ledgerProgram(h);
    const ada = await l.member('ada@example.com');
    const bob = await l.member('bob@example.com');
    expect((await l.credit(ada.id, 100)).statusCode).toBe(201);
    expect((await l.credit(bob.id, 100)).statusCode).toBe(201);
    // A fault only a batch meets: a statement writing two debits' allocations at once fails.
    await h.db.exec(`
      CREATE FUNCTION test_one_allocation_at_a_time() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT count(DISTINCT transaction_id) FROM new_allocations) > 1 THEN RAISE EXCEPTION 'test fault'; END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER test_one_allocation_at_a_time AFTER INSERT ON lot_allocations REFERENCING NEW TABLE AS new_allocations
        FOR EACH STATEMENT EXECUTE FUNCTION test_one_allocation_at_a_time();`);
    try {
      const before = { ...movementBatchStats(h.ctx) };
      const responses = await Promise.all(Array.from({ length: 12 }, (_, n) => answer(createTransaction(h.ctx, l.program.id,
        { memberId: n % 2 ? ada.id : bob.id, kind: 'debit', amount: 1, autoComplete: true }))));
      const after = movementBatchStats(h.ctx);
      expect(responses.map((r) => r.statusCode)).toEqual(Array(12).fill(201));
      expect(after.failedBatches - before.failedBatches).toBeGreaterThan(0);
      expect(after.alone - before.alone).toBeGreaterThan(1);
      expect((await l.balance(ada.id)).available).toBe(94);
      expect((await l.balance(bob.id)).available).toBe(94);
      expect(await l.check()).toEqual({ consistent: true, differences: [] });
    } finally {
      await h.db.exec(`DROP TRIGGER test_one_allocation_at_a_time ON lot_allocations; DROP FUNCTION test_one_allocation_at_a_time();`);
    }
  });
});
