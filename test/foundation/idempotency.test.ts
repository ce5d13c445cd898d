import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonedAfterMs, idempotencyWindowMs } from '../../src/http/plugins/idempotency.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { count, expectProblem } from './helpers.ts';

/** Idempotency-Key: a repeat with the same key and body gets the first answer; another body is refused. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const create = (body: unknown, key: string, apiKey?: string) =>
  h.call('POST', '/v1/programs', { body, key: apiKey, headers: { 'idempotency-key': key } });

describe('Idempotency-Key', () => {
  it('same key and body: the first answer again, marked as replayed, and one program', async () => {
    const before = await count(h.db, 'programs');
    const first = await create({ name: 'Once', timezone: 'Europe/Berlin' }, 'create-once');
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    h.clock.advance(60_000); // a later answer would carry a later clock; the replay must not
    const second = await create({ name: 'Once', timezone: 'Europe/Berlin' }, 'create-once');
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['content-type']).toMatch(/^application\/json/);
    expect(second.json()).toEqual(first.json());
    expect(await count(h.db, 'programs')).toBe(before + 1);
  });

  it('the same body with keys in another order is the same request', async () => {
    const first = await create({ name: 'Ordered', timezone: 'UTC' }, 'order');
    const second = await h.call('POST', '/v1/programs', {
      body: '{"timezone":"UTC","name":"Ordered"}',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'order' },
    });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    expect(await h.db.query(`SELECT id FROM programs WHERE name = 'Ordered'`)).toHaveLength(1);
  });

  it('same key, another body: refused with 422, nothing created', async () => {
    await create({ name: 'First body' }, 'reused');
    const before = await count(h.db, 'programs');
    const res = await create({ name: 'Second body' }, 'reused');
    expectProblem(res, 422, 'header.idempotency-key');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await count(h.db, 'programs')).toBe(before);
    expect(await h.db.query(`SELECT id FROM programs WHERE name = 'Second body'`)).toHaveLength(0);
  });

  it('same key on another route is another request: refused', async () => {
    await create({ name: 'Route one' }, 'cross-route');
    const before = await count(h.db, 'api_keys');
    expectProblem(await h.call('POST', '/v1/admin-keys', { body: { name: 'Route one' }, headers: { 'idempotency-key': 'cross-route' } }), 422,
      'header.idempotency-key');
    expect(await count(h.db, 'api_keys')).toBe(before);
  });

  it('a 4xx answer is replayed too', async () => {
    const first = await create({ name: 'Bad zone', timezone: 'Nowhere/Special' }, 'bad-zone');
    expectProblem(first, 422, '/timezone');
    const second = await create({ name: 'Bad zone', timezone: 'Nowhere/Special' }, 'bad-zone');
    expectProblem(second, 422, '/timezone');
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(await h.db.query(`SELECT id FROM programs WHERE name = 'Bad zone'`)).toHaveLength(0);
  });

  it('without the header every POST is a new request', async () => {
    const before = await count(h.db, 'programs');
    await h.call('POST', '/v1/programs', { body: { name: 'Twice' } });
    await h.call('POST', '/v1/programs', { body: { name: 'Twice' } });
    expect(await count(h.db, 'programs')).toBe(before + 2);
  });

  it('keys are scoped per program: two programs may use the same key', async () => {
    const a = await h.newProgram('Scope A');
    const b = await h.newProgram('Scope B');
    const advance = (p: { id: string; key: string }) =>
      h.call('POST', `/v1/programs/${p.id}/clock/advance`, { key: p.key, body: { by: 'P1D' }, headers: { 'idempotency-key': 'daily' } });
    const ra = await advance(a);
    const rb = await advance(b);
    expect(ra.statusCode).toBe(200);
    expect(rb.statusCode).toBe(200);
    expect(rb.headers['idempotent-replayed']).toBeUndefined();
    expect(rb.json().program.id).toBe(b.id);
    // A repeat in A is a replay: A's clock moved one day, not two.
    const again = await advance(a);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(ra.json());
    expect((await h.call('GET', `/v1/programs/${a.id}`)).json().clock.offsetMs).toBe(86_400_000);
    expect((await h.call('GET', `/v1/programs/${b.id}`)).json().clock.offsetMs).toBe(86_400_000);
    // The admin's scope is its own: the same key is free there.
    const adminUse = await create({ name: 'Admin daily' }, 'daily');
    expect(adminUse.statusCode).toBe(201);
    expect(adminUse.headers['idempotent-replayed']).toBeUndefined();
  });

  it('concurrent repeats create one program; each answer is the first one or "in progress"', async () => {
    const body = { name: 'Stampede' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(body, 'stampede')));
    const created = answers.filter((r) => r.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of answers) {
      if (r.statusCode === 201) expect(r.json().id).toBe(created[0].json().id);
      else expectProblem(r, 409, 'header.idempotency-key');
    }
    expect(await h.db.query(`SELECT id FROM programs WHERE name = 'Stampede'`)).toHaveLength(1);
  });

  it('a first request left unanswered by a dead process blocks its key for 15 minutes, then the same request may run again', async () => {
    // What a process that died mid-request leaves: the claim, with no answer.
    const first = await create({ name: 'Orphan' }, 'orphan');
    expect(first.statusCode).toBe(201);
    await h.db.query(`UPDATE idempotency_records SET status_code = NULL, response_body = NULL WHERE scope = 'admin' AND key = $1`, [
      createHash('sha256').update('orphan').digest('hex'),
    ]);
    // Rolled back with the process.
    await h.db.query(`DELETE FROM event_sequences WHERE program_id = $1`, [first.json().id]);
    await h.db.query(`DELETE FROM programs WHERE id = $1`, [first.json().id]);

    h.clock.advance(abandonedAfterMs - 1);
    expectProblem(await create({ name: 'Orphan' }, 'orphan'), 409, 'header.idempotency-key');
    h.clock.advance(2);
    // Another body is still another request for this key.
    expectProblem(await create({ name: 'Not the orphan' }, 'orphan'), 422, 'header.idempotency-key');
    const retried = await create({ name: 'Orphan' }, 'orphan');
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await h.db.query(`SELECT id FROM programs WHERE name = 'Orphan'`)).toHaveLength(1);
    // From then on it is an ordinary answered key.
    const replay = await create({ name: 'Orphan' }, 'orphan');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(retried.json().id);
  });

  it('a key is replayed for 24 hours, then free for a new request', async () => {
    const first = await create({ name: 'Day one' }, 'daily-report');
    expect(first.statusCode).toBe(201);

    h.clock.advance(idempotencyWindowMs - 1);
    const within = await create({ name: 'Day one' }, 'daily-report');
    expect(within.headers['idempotent-replayed']).toBe('true');
    expect(within.json().id).toBe(first.json().id);
    expectProblem(await create({ name: 'Day two' }, 'daily-report'), 422, 'header.idempotency-key');

    h.clock.advance(2);
    const before = await count(h.db, 'programs');
    const reused = await create({ name: 'Day two' }, 'daily-report');
    expect(reused.statusCode).toBe(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect(reused.json().id).not.toBe(first.json().id);
    expect(await count(h.db, 'programs')).toBe(before + 1);
    // And the new answer is the one replayed from now on.
    const replay = await create({ name: 'Day two' }, 'daily-report');
    expect(replay.json().id).toBe(reused.json().id);
  });

  it('validation errors are answered before the key is taken', async () => {
    expectProblem(await create({ nom: 'typo' }, 'fix-and-retry'), 400, '/nom');
    const fixed = await create({ name: 'Fixed' }, 'fix-and-retry');
    expect(fixed.statusCode).toBe(201);
  });

  it('the records keep neither the key nor the answer in clear', async () => {
    const res = await create({ name: 'Private' }, 'visible-key-123');
    const rows = await h.db.query(`SELECT * FROM idempotency_records`);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain('visible-key-123');
    expect(stored).not.toContain(res.json().id);
  });
});
