import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockBalance } from '../../src/storage/ledger/balances.ts';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ start: '2026-03-01T09:00:00.000Z' });
});
afterAll(() => h?.close());

const base = '/v1/balance-definitions';

interface Program {
  id: string;
  key: string;
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  create(body: Record<string, unknown>): Promise<any>;
}

let serial = 0;
async function program(): Promise<Program> {
  const p = await h.newProgram(`Definitions ${++serial}`);
  const call: Program['call'] = (method, url, body, headers) => h.call(method, url, { key: p.key, body, headers });
  return {
    ...p,
    call,
    async create(body) {
      const response = await call('POST', base, body);
      expect(response.statusCode, response.body).toBe(201);
      return response.json();
    },
  };
}

function expectProblem(response: LightMyRequestResponse, status: number, fields: string[]) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json();
  expect(problem.status).toBe(status);
  expect(problem.errors.map((e: { field: string }) => e.field).sort(), problem.detail).toEqual([...fields].sort());
  return problem;
}

/** Every stored column of a program's definitions: what "nothing changed" is checked against. */
const stored = (programId: string) =>
  h.db.query(`SELECT * FROM balance_definitions WHERE program_id = $1 ORDER BY id`, [programId]);

const everyOption = {
  name: 'Cashback',
  unit: 'EUR',
  decimals: 3,
  metadata: { brand: 'Acme', tier: 2, visible: true, legacy: null },
  minimum: 0,
  maximum: 500_000,
  maximumStrategy: 'partial',
  creditCap: 50_000,
  debitCap: 20_000,
  creditRounding: { mode: 'down', step: 10 },
  debitRounding: { mode: 'nearest', step: 5 },
  expiry: { kind: 'duration', amount: 12, unit: 'month', alignment: 'end_of_period' },
  pendingDays: 14,
  velocityLimits: [
    { direction: 'credit', measure: 'count', limit: 5, period: 'day', window: 'calendar' },
    { direction: 'debit', measure: 'amount', limit: 100_000, period: 'week', window: 'sliding' },
  ],
  reminderDaysBefore: 10,
};

describe('creating and reading balance definitions', () => {
  it('fills every default from a name alone, makes the first definition the default, and reads it back', async () => {
    const p = await program();
    const created = await p.create({ name: '  Points  ' });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Points',
      unit: 'points',
      decimals: 0,
      metadata: {},
      minimum: null,
      maximum: null,
      maximumStrategy: 'strict',
      creditCap: null,
      debitCap: null,
      creditRounding: { mode: 'none' },
      debitRounding: { mode: 'none' },
      expiry: { kind: 'none' },
      pendingDays: 0,
      velocityLimits: [],
      reminderDaysBefore: null,
      allowNegativeBalance: false,
      isDefault: true,
      createdAt: '2026-03-01T09:00:00.000Z',
      updatedAt: '2026-03-01T09:00:00.000Z',
    });
    const read = await p.call('GET', `${base}/${created.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(created);
  });

  it('keeps every option as given and reads it back equal; a second definition is not the default', async () => {
    const p = await program();
    await p.create({ name: 'Points' });
    const created = await p.create(everyOption);
    expect(created).toMatchObject({ ...everyOption, isDefault: false });
    const read = await p.call('GET', `${base}/${created.id}`);
    expect(read.json()).toEqual(created);
  });

  it('accepts a fixed yearly date on 29 February and the longest durations', async () => {
    const p = await program();
    const leap = await p.create({ name: 'Leap', expiry: { kind: 'fixed_date', month: 2, day: 29 } });
    expect(leap.expiry).toEqual({ kind: 'fixed_date', month: 2, day: 29 });
    const long = await p.create({ name: 'Long', expiry: { kind: 'duration', amount: 100, unit: 'year' } });
    expect(long.expiry).toEqual({ kind: 'duration', amount: 100, unit: 'year', alignment: 'none' });
    const days = await p.create({ name: 'Days', expiry: { kind: 'duration', amount: 36_500, unit: 'day', alignment: 'start_of_period' } });
    expect(days.expiry.amount).toBe(36_500);
  });

  it("defaults a currency's decimals to its usual minor units", async () => {
    const p = await program();
    expect((await p.create({ name: 'Euro', unit: 'EUR' })).decimals).toBe(2);
    expect((await p.create({ name: 'Yen', unit: 'JPY' })).decimals).toBe(0);
    expect((await p.create({ name: 'Dinar', unit: 'KWD' })).decimals).toBe(3);
    expect((await p.create({ name: 'Fine euro', unit: 'EUR', decimals: 4 })).decimals).toBe(4);
  });

  it('keeps amounts up to the largest exact integer', async () => {
    const p = await program();
    const created = await p.create({ name: 'Big', maximum: Number.MAX_SAFE_INTEGER, creditCap: Number.MAX_SAFE_INTEGER });
    expect((await p.call('GET', `${base}/${created.id}`)).json()).toMatchObject({
      maximum: Number.MAX_SAFE_INTEGER, creditCap: Number.MAX_SAFE_INTEGER,
    });
  });

  it('answers a repeated Idempotency-Key with the first definition instead of a second one', async () => {
    const p = await program();
    const first = await p.call('POST', base, { name: 'Points' }, { 'idempotency-key': 'create-points' });
    const again = await p.call('POST', base, { name: 'Points' }, { 'idempotency-key': 'create-points' });
    expect(first.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(await stored(p.id)).toHaveLength(1);
  });

  it('lists definitions oldest first, page by page', async () => {
    const p = await program();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await p.create({ name: `Definition ${i}` })).id);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await p.call('GET', `${base}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json();
      sizes.push(page.data.length);
      seen.push(...page.data.map((d: { id: string }) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(ids);
    const all = (await p.call('GET', base)).json();
    expect(all.data[0]).toEqual((await p.call('GET', `${base}/${ids[0]}`)).json());
    expect(all.nextCursor).toBeNull();
  });
});

describe('updating a balance definition', () => {
  it('changes only what is given, clears a limit given null, and moves updatedAt', async () => {
    const p = await program();
    const created = await p.create(everyOption);
    h.clock.advance(60_000);
    const response = await p.call('PATCH', `${base}/${created.id}`, {
      name: 'Cashback+', maximum: null, debitRounding: { mode: 'none' }, expiry: { kind: 'fixed_date', month: 12, day: 31 },
      velocityLimits: [], metadata: { brand: 'Acme 2' },
    });
    expect(response.statusCode, response.body).toBe(200);
    const updated = response.json();
    expect(updated).toEqual({
      ...created,
      name: 'Cashback+',
      maximum: null,
      debitRounding: { mode: 'none' },
      expiry: { kind: 'fixed_date', month: 12, day: 31 },
      velocityLimits: [],
      metadata: { brand: 'Acme 2' },
      updatedAt: '2026-03-01T09:01:00.000Z',
    });
    expect(updated.createdAt).toBe(created.createdAt);
    expect((await p.call('GET', `${base}/${created.id}`)).json()).toEqual(updated);
  });

  it('leaves updatedAt alone when a PATCH changes nothing', async () => {
    const p = await program();
    const created = await p.create(everyOption);
    h.clock.advance(60_000);
    const { name, creditRounding, expiry, velocityLimits, metadata } = everyOption;
    const response = await p.call('PATCH', `${base}/${created.id}`, { name, creditRounding, expiry, velocityLimits, metadata });
    expect(response.json()).toEqual(created);
    const empty = await p.call('PATCH', `${base}/${created.id}`, {});
    expect(empty.json()).toEqual(created);
  });

  it('holds a new bound against the current value of the other one', async () => {
    const p = await program();
    const created = await p.create({ name: 'Bounded', minimum: 100, maximum: 1000 });
    const before = await stored(p.id);
    expectProblem(await p.call('PATCH', `${base}/${created.id}`, { maximum: 100 }), 422, ['/maximum']);
    expectProblem(await p.call('PATCH', `${base}/${created.id}`, { minimum: 1000 }), 422, ['/minimum']);
    expect(await stored(p.id)).toEqual(before);
    const widened = await p.call('PATCH', `${base}/${created.id}`, { minimum: 5000, maximum: 10_000 });
    expect(widened.json()).toMatchObject({ minimum: 5000, maximum: 10_000 });
  });

  it('changes unit and decimals only while no balance uses the definition', async () => {
    const p = await program();
    const definition = await p.create({ name: 'Cashback', unit: 'EUR' });
    const changed = await p.call('PATCH', `${base}/${definition.id}`, { unit: 'USD', decimals: 3 });
    expect(changed.json()).toMatchObject({ unit: 'USD', decimals: 3 });

    const member = await p.call('POST', '/v1/members', { email: 'balance.holder@example.com' });
    expect(member.statusCode, member.body).toBe(201);
    await h.db.transaction((tx) => lockBalance(tx, {
      id: crypto.randomUUID(), programId: p.id, subscriptionId: member.json().subscription.id, definitionId: definition.id, now: h.clock.now(),
    }));
    const before = await stored(p.id);
    expectProblem(await p.call('PATCH', `${base}/${definition.id}`, { decimals: 2 }), 409, ['/decimals']);
    expectProblem(await p.call('PATCH', `${base}/${definition.id}`, { unit: 'EUR' }), 409, ['/unit']);
    expect(await stored(p.id)).toEqual(before);
    // Everything else still changes, and re-sending the same unit is no change.
    const renamed = await p.call('PATCH', `${base}/${definition.id}`, { name: 'Dollars back', unit: 'USD', decimals: 3 });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Dollars back', unit: 'USD', decimals: 3 });
  });
});

describe('the default definition', () => {
  const defaults = async (p: Program) =>
    (await p.call('GET', `${base}?limit=200`)).json().data.filter((d: { isDefault: boolean }) => d.isDefault).map((d: { id: string }) => d.id);

  it('is the first definition even when it asks not to be', async () => {
    const p = await program();
    const first = await p.create({ name: 'First', isDefault: false });
    expect(first.isDefault).toBe(true);
  });

  it('moves to a new definition created with isDefault, in the same transaction', async () => {
    const p = await program();
    const first = await p.create({ name: 'First' });
    h.clock.advance(1000);
    const second = await p.create({ name: 'Second', isDefault: true });
    expect(second.isDefault).toBe(true);
    const firstNow = (await p.call('GET', `${base}/${first.id}`)).json();
    expect(firstNow).toMatchObject({ isDefault: false, updatedAt: h.clock.now().toISOString() });
    expect(await defaults(p)).toEqual([second.id]);
  });

  it('moves with make-default, and making the default the default again changes nothing', async () => {
    const p = await program();
    const first = await p.create({ name: 'First' });
    const second = await p.create({ name: 'Second' });
    const third = await p.create({ name: 'Third' });
    const made = await p.call('POST', `${base}/${third.id}/make-default`);
    expect(made.statusCode, made.body).toBe(200);
    expect(made.json()).toMatchObject({ id: third.id, isDefault: true });
    expect(await defaults(p)).toEqual([third.id]);

    const back = await p.call('POST', `${base}/${first.id}/make-default`);
    expect(back.json().isDefault).toBe(true);
    expect(await defaults(p)).toEqual([first.id]);
    h.clock.advance(1000);
    const again = await p.call('POST', `${base}/${first.id}/make-default`);
    expect(again.json()).toEqual(back.json());
    expect((await p.call('GET', `${base}/${second.id}`)).json().isDefault).toBe(false);
  });

  it('stays single when several first definitions are created at once', async () => {
    const p = await program();
    // Twenty at once: with fewer the first often commits before the others look for a default.
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => p.call('POST', base, { name: `Racer ${i}` })));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    expect(await defaults(p)).toHaveLength(1);
  });

  it('stays single when several definitions are made default at once', async () => {
    const p = await program();
    const created = [];
    for (let i = 1; i <= 10; i++) created.push(await p.create({ name: `Definition ${i}` }));
    const responses = await Promise.all(created.map((d) => p.call('POST', `${base}/${d.id}/make-default`)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(await defaults(p)).toHaveLength(1);
  });
});

describe('refusing invalid definitions', () => {
  const invalid: [string, Record<string, unknown>, string[]][] = [
    ['a blank name', { name: '   ' }, ['/name']],
    ['a name over 100 characters', { name: 'x'.repeat(101) }, ['/name']],
    ['a currency code in small letters', { name: 'C', unit: 'eur' }, ['/unit']],
    ['an unknown currency code', { name: 'C', unit: 'XYZ' }, ['/unit']],
    ['a unit other than points or a currency', { name: 'C', unit: 'Miles' }, ['/unit']],
    ['decimals over 6', { name: 'C', decimals: 7 }, ['/decimals']],
    ['negative decimals', { name: 'C', decimals: -1 }, ['/decimals']],
    ['nested metadata', { name: 'C', metadata: { nested: { a: 1 } } }, ['/metadata/nested']],
    ['a list in metadata', { name: 'C', metadata: { tags: ['a'] } }, ['/metadata/tags']],
    ['a metadata key with a slash', { name: 'C', metadata: { 'a/b': {} } }, ['/metadata/a~1b']],
    ['too many metadata keys', { name: 'C', metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }, ['/metadata']],
    ['a long metadata string', { name: 'C', metadata: { note: 'x'.repeat(1001) } }, ['/metadata/note']],
    ['a minimum equal to the maximum', { name: 'C', minimum: 100, maximum: 100 }, ['/maximum']],
    ['a negative minimum', { name: 'C', minimum: -1 }, ['/minimum']],
    ['a zero maximum', { name: 'C', maximum: 0 }, ['/maximum']],
    ['a maximum past exact integers', { name: 'C', maximum: 2 ** 53 }, ['/maximum']],
    ['a zero credit cap', { name: 'C', creditCap: 0 }, ['/creditCap']],
    ['a negative debit cap', { name: 'C', debitCap: -5 }, ['/debitCap']],
    ['a rounding step of 0', { name: 'C', creditRounding: { mode: 'down', step: 0 } }, ['/creditRounding/step']],
    ['a rounding without its step', { name: 'C', debitRounding: { mode: 'up' } }, ['/debitRounding/step']],
    ['a step with no rounding', { name: 'C', creditRounding: { mode: 'none', step: 5 } }, ['/creditRounding/step']],
    ['an expiry of 0 days', { name: 'C', expiry: { kind: 'duration', amount: 0, unit: 'day' } }, ['/expiry/amount']],
    ['an expiry over 100 years', { name: 'C', expiry: { kind: 'duration', amount: 101, unit: 'year' } }, ['/expiry/amount']],
    ['a duration without amount', { name: 'C', expiry: { kind: 'duration', unit: 'month' } }, ['/expiry/amount']],
    ['a duration without unit', { name: 'C', expiry: { kind: 'duration', amount: 3 } }, ['/expiry/unit']],
    ['30 February', { name: 'C', expiry: { kind: 'fixed_date', month: 2, day: 30 } }, ['/expiry/day']],
    ['31 April', { name: 'C', expiry: { kind: 'fixed_date', month: 4, day: 31 } }, ['/expiry/day']],
    ['day 0', { name: 'C', expiry: { kind: 'fixed_date', month: 1, day: 0 } }, ['/expiry/day']],
    ['month 13', { name: 'C', expiry: { kind: 'fixed_date', month: 13, day: 1 } }, ['/expiry/month']],
    ['a fixed date without day', { name: 'C', expiry: { kind: 'fixed_date', month: 5 } }, ['/expiry/day']],
    ['a duration field on a fixed date', { name: 'C', expiry: { kind: 'fixed_date', month: 12, day: 31, unit: 'day' } }, ['/expiry/unit']],
    ['an amount on no expiry', { name: 'C', expiry: { kind: 'none', amount: 3 } }, ['/expiry/amount']],
    ['pending days over 365', { name: 'C', pendingDays: 366 }, ['/pendingDays']],
    ['negative pending days', { name: 'C', pendingDays: -1 }, ['/pendingDays']],
    ['reminder days over 365', { name: 'C', reminderDaysBefore: 366 }, ['/reminderDaysBefore']],
    ['a velocity limit of 0', {
      name: 'C',
      velocityLimits: [
        { direction: 'credit', measure: 'count', limit: 3, period: 'day', window: 'sliding' },
        { direction: 'debit', measure: 'amount', limit: 0, period: 'day', window: 'sliding' },
      ],
    }, ['/velocityLimits/1/limit']],
    ['two velocity limits on the same thing', {
      name: 'C',
      velocityLimits: [
        { direction: 'credit', measure: 'count', limit: 3, period: 'day', window: 'sliding' },
        { direction: 'credit', measure: 'count', limit: 5, period: 'day', window: 'sliding' },
      ],
    }, ['/velocityLimits/1']],
    ['more than 20 velocity limits', {
      name: 'C',
      velocityLimits: Array.from({ length: 21 }, (_, i) => ({ direction: 'credit', measure: 'amount', limit: i + 1, period: 'hour', window: 'sliding' })),
    }, ['/velocityLimits']],
    ['several faults at once', { name: 'C', decimals: 9, pendingDays: 400, maximum: -1 }, ['/decimals', '/pendingDays', '/maximum']],
  ];

  it.each(invalid)('refuses %s with 422 naming the field, creating nothing', async (_, body, fields) => {
    const p = await program();
    await p.create({ name: 'Existing' });
    const before = await stored(p.id);
    const problem = expectProblem(await p.call('POST', base, body), 422, fields);
    expect(problem.type).toBe('/problems/invalid-input');
    expect(await stored(p.id)).toEqual(before);
  });

  // The same faults in a PATCH; the name cases keep their name, the others drop the valid one.
  const patches = invalid.map(([what, { name, ...rest }, fields]) =>
    [what, fields.includes('/name') ? { name } : rest, fields] as [string, Record<string, unknown>, string[]]);

  it.each(patches)('refuses %s in a PATCH too, changing nothing', async (_, patch, fields) => {
    const p = await program();
    const existing = await p.create({ name: 'Existing' });
    const before = await stored(p.id);
    expectProblem(await p.call('PATCH', `${base}/${existing.id}`, patch), 422, fields);
    expect(await stored(p.id)).toEqual(before);
  });

  it('names the currency code it expected for small letters', async () => {
    const p = await program();
    const problem = expectProblem(await p.call('POST', base, { name: 'C', unit: 'usd' }), 422, ['/unit']);
    expect(problem.errors[0].message).toContain('"USD"');
  });

  const malformed: [string, Record<string, unknown>, string][] = [
    ['no name', { unit: 'points' }, '/name'],
    ['an unknown field', { name: 'C', colour: 'red' }, '/colour'],
    ['an unknown maximum strategy', { name: 'C', maximumStrategy: 'lenient' }, '/maximumStrategy'],
    ['a fractional amount', { name: 'C', creditCap: 1.5 }, '/creditCap'],
    ['an unknown expiry kind', { name: 'C', expiry: { kind: 'weekly' } }, '/expiry/kind'],
    ['a velocity limit without window', {
      name: 'C', velocityLimits: [{ direction: 'credit', measure: 'count', limit: 3, period: 'day' }],
    }, '/velocityLimits/0/window'],
  ];

  it.each(malformed)('answers 400 to a body with %s', async (_, body, field) => {
    const p = await program();
    const response = await p.call('POST', base, body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await stored(p.id)).toHaveLength(0);
  });
});

describe('program isolation', () => {
  it("answers 404 to another program's key for every route, and lists none of its definitions", async () => {
    const a = await program();
    const b = await program();
    const definition = await a.create({ name: 'A points' });
    const before = await stored(a.id);
    for (const [method, url, body] of [
      ['GET', `${base}/${definition.id}`, undefined],
      ['PATCH', `${base}/${definition.id}`, { name: 'Taken' }],
      ['POST', `${base}/${definition.id}/make-default`, undefined],
    ] as const) {
      const response = await b.call(method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await b.call('GET', base)).json()).toEqual({ data: [], nextCursor: null });
    expect(await stored(a.id)).toEqual(before);
    // B's first definition is B's default: A's default does not count for B.
    expect((await b.create({ name: 'B points' })).isDefault).toBe(true);
    expect((await a.call('GET', `${base}/${definition.id}`)).json().isDefault).toBe(true);
  });

  it("refuses a program key naming another program, and lets an admin key act on a program it names", async () => {
    const a = await program();
    const b = await program();
    const refused = await h.call('GET', base, { key: b.key, headers: { 'punchcard-program': a.id } });
    expect(refused.statusCode).toBe(403);
    const byAdmin = await h.call('POST', base, { body: { name: 'Admin made' }, headers: { 'punchcard-program': a.id } });
    expect(byAdmin.statusCode, byAdmin.body).toBe(201);
    expect((await a.call('GET', `${base}/${byAdmin.json().id}`)).json().name).toBe('Admin made');
  });
});

describe('the API reference', () => {
  it('documents every balance-definition route with its schemas', async () => {
    const spec = (await h.call('GET', '/openapi.json', { key: '' })).json();
    expect(Object.keys(spec.paths['/v1/balance-definitions']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(spec.paths['/v1/balance-definitions/{definitionId}']).sort()).toEqual(['get', 'patch']);
    expect(Object.keys(spec.paths['/v1/balance-definitions/{definitionId}/make-default'])).toEqual(['post']);
    const body = spec.paths['/v1/balance-definitions'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['name']);
    expect(body.properties.maximumStrategy.enum).toEqual(['strict', 'partial']);
    expect(Object.keys(body.properties.expiry.properties).sort()).toEqual(['alignment', 'amount', 'day', 'kind', 'month', 'unit']);
  });
});
