import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { expectProblem, snapshot } from './helpers.ts';

/** A key of program A can neither read nor change anything of program B. */

let h: Harness;
let a: { id: string; key: string };
let b: { id: string; key: string };
let bKeyId: string;

beforeAll(async () => {
  h = await startHarness();
  // A route of the `program` level, as program-scoped resources (members, endpoints) declare it,
  // answering with the program the auth plugin resolved.
  h.app.get('/test/program-scope', { config: { auth: 'program' } }, async (request) => ({
    programId: request.programId,
    principal: request.principal.kind,
  }));
  a = await h.newProgram('Alpha');
  b = await h.newProgram('Beta');
  bKeyId = (await h.call('GET', `/v1/programs/${b.id}/keys`)).json().data[0].id;
});
afterAll(() => h?.close());

describe("program A's key on program B", () => {
  it('cannot read B', async () => {
    const res = await h.call('GET', `/v1/programs/${b.id}`, { key: a.key });
    const problem = expectProblem(res, 403);
    expect(res.body).not.toContain('Beta');
    expect(problem.detail).not.toContain('Beta');
  });

  it('cannot change B, and B is unchanged', async () => {
    const before = await snapshot(h.db);
    const res = await h.call('PATCH', `/v1/programs/${b.id}`, { key: a.key, body: { name: 'Hijacked', timezone: 'Asia/Tokyo' } });
    expectProblem(res, 403);
    expect(await snapshot(h.db)).toEqual(before);
    expect((await h.call('GET', `/v1/programs/${b.id}`)).json()).toMatchObject({ name: 'Beta', timezone: 'UTC' });
  });

  it("cannot list B's keys", async () => {
    const res = await h.call('GET', `/v1/programs/${b.id}/keys`, { key: a.key });
    expectProblem(res, 403);
    expect(res.body).not.toContain(bKeyId);
  });

  it('cannot create keys for B (nor for A: creating keys needs an admin key)', async () => {
    const before = await snapshot(h.db);
    expectProblem(await h.call('POST', `/v1/programs/${b.id}/keys`, { key: a.key, body: { name: 'mine now' } }), 403);
    expectProblem(await h.call('POST', `/v1/programs/${a.id}/keys`, { key: a.key, body: { name: 'mine now' } }), 403);
    expectProblem(await h.call('POST', '/v1/admin-keys', { key: a.key, body: { name: 'root' } }), 403);
    expect(await snapshot(h.db)).toEqual(before);
  });

  it("cannot revoke B's key: it does not exist for A, and B's key keeps working", async () => {
    const before = await snapshot(h.db);
    expectProblem(await h.call('DELETE', `/v1/keys/${bKeyId}`, { key: a.key }), 404);
    expect(await snapshot(h.db)).toEqual(before);
    expect((await h.call('GET', `/v1/programs/${b.id}`, { key: b.key })).statusCode).toBe(200);
  });

  it("cannot revoke an admin key", async () => {
    const adminKeys = (await h.call('GET', '/v1/admin-keys')).json().data;
    expect(adminKeys.length).toBeGreaterThan(0);
    for (const key of adminKeys) expectProblem(await h.call('DELETE', `/v1/keys/${key.id}`, { key: a.key }), 404);
    expect((await h.call('GET', '/v1/admin-keys')).statusCode).toBe(200);
  });

  it("cannot move B's clock, and B's clock stays put", async () => {
    const before = await snapshot(h.db);
    expectProblem(await h.call('POST', `/v1/programs/${b.id}/clock/advance`, { key: a.key, body: { by: 'P1Y' } }), 403);
    expect(await snapshot(h.db)).toEqual(before);
    expect((await h.call('GET', `/v1/programs/${b.id}`)).json().clock.offsetMs).toBe(0);
  });

  it('lists only A among the programs, on every page', async () => {
    const res = await h.call('GET', '/v1/programs', { key: a.key });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: [expect.objectContaining({ id: a.id, name: 'Alpha' })], nextCursor: null });
    // A cursor pointing before B still does not reveal B.
    const cursor = Buffer.from('00000000-0000-0000-0000-000000000000').toString('base64url');
    const paged = await h.call('GET', `/v1/programs?limit=1&cursor=${cursor}`, { key: a.key });
    expect(paged.json().data.map((p: { id: string }) => p.id)).toEqual([a.id]);
    // The admin sees both.
    const all = (await h.call('GET', '/v1/programs')).json().data.map((p: { id: string }) => p.id);
    expect(all).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('can do all of it on A itself', async () => {
    expect((await h.call('GET', `/v1/programs/${a.id}`, { key: a.key })).statusCode).toBe(200);
    expect((await h.call('GET', `/v1/programs/${a.id}/keys`, { key: a.key })).json().data).toHaveLength(1);
    const patched = await h.call('PATCH', `/v1/programs/${a.id}`, { key: a.key, body: { name: 'Alpha Club' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().name).toBe('Alpha Club');
    const moved = await h.call('POST', `/v1/programs/${a.id}/clock/advance`, { key: a.key, body: { by: 'PT1H' } });
    expect(moved.statusCode).toBe(200);
    expect((await h.call('GET', `/v1/programs/${b.id}`)).json()).toMatchObject({ name: 'Beta', clock: { offsetMs: 0 } });
  });

  it("a program key may revoke a key of its own program", async () => {
    const extra = (await h.call('POST', `/v1/programs/${a.id}/keys`, { body: { name: 'extra' } })).json();
    const res = await h.call('DELETE', `/v1/keys/${extra.id}`, { key: a.key });
    expect(res.statusCode).toBe(200);
    expect(res.json().revokedAt).toBe(h.clock.now().toISOString());
    expectProblem(await h.call('GET', `/v1/programs/${a.id}`, { key: extra.key }), 401);
  });
});

describe('the Punchcard-Program header on program routes', () => {
  const scope = (key: string, program?: string) =>
    h.call('GET', '/test/program-scope', { key, headers: program === undefined ? {} : { 'punchcard-program': program } });

  it('a program key acts on its own program without the header', async () => {
    const res = await scope(a.key);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ programId: a.id, principal: 'program' });
  });

  it('a program key may name its own program, in either case', async () => {
    expect((await scope(a.key, a.id)).json()).toEqual({ programId: a.id, principal: 'program' });
    expect((await scope(a.key, a.id.toUpperCase())).json()).toEqual({ programId: a.id, principal: 'program' });
  });

  it('a program key naming another program is refused', async () => {
    expectProblem(await scope(a.key, b.id), 403);
    expectProblem(await scope(a.key, 'not-a-uuid'), 403);
  });

  it('an admin key must name the program', async () => {
    expectProblem(await scope(h.adminKey), 400, 'header.punchcard-program');
    expectProblem(await scope(h.adminKey, ''), 400, 'header.punchcard-program');
    expectProblem(await scope(h.adminKey, 'beta'), 400, 'header.punchcard-program');
  });

  it('an admin key naming a program acts on it', async () => {
    expect((await scope(h.adminKey, b.id)).json()).toEqual({ programId: b.id, principal: 'admin' });
    expect((await scope(h.adminKey, b.id.toUpperCase())).json()).toEqual({ programId: b.id, principal: 'admin' });
  });

  it('authentication comes first: no key, or a bad one, is 401 whatever the header says', async () => {
    expectProblem(await scope('', a.id), 401);
    expectProblem(await scope('pc_prg_forged', a.id), 401);
  });
});
