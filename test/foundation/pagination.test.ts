import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { expectProblem } from './helpers.ts';

/** Cursor pagination: every item exactly once, in creation order, nextCursor null at the end. */

let h: Harness;
let program: { id: string; key: string };

beforeAll(async () => {
  h = await startHarness();
  program = await h.newProgram('Program 1');
});
afterAll(() => h?.close());

/** Follows nextCursor from the first page to the last; returns the pages. */
async function allPages(url: string, limit: number, key?: string) {
  const pages: { ids: string[]; nextCursor: string | null }[] = [];
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await h.call('GET', `${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { key });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.data.length).toBeLessThanOrEqual(limit);
    pages.push({ ids: body.data.map((item: { id: string }) => item.id), nextCursor: body.nextCursor });
    cursor = body.nextCursor;
    expect(pages.length).toBeLessThan(100); // a cursor that never ends is a bug, not a slow test
  } while (cursor !== null);
  return pages;
}

describe('cursor pagination', () => {
  it('pages through 7 programs 3 at a time: no duplicate, no gap, creation order, null at the end', async () => {
    const created = [program.id];
    for (let i = 2; i <= 7; i++) {
      // Several in the same millisecond and some later: order must hold either way.
      if (i % 3 === 0) h.clock.advance(1);
      created.push((await h.call('POST', '/v1/programs', { body: { name: `Program ${i}` } })).json().id);
    }
    const pages = await allPages('/v1/programs', 3);
    expect(pages.map((p) => p.ids.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.ids)).toEqual(created);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(pages.slice(0, -1).every((p) => typeof p.nextCursor === 'string')).toBe(true);
  });

  it('an exact multiple ends with a full page and a null cursor, not an empty extra page', async () => {
    const pages = await allPages('/v1/programs', 7);
    expect(pages).toHaveLength(1);
    expect(pages[0].ids).toHaveLength(7);
    expect(pages[0].nextCursor).toBeNull();
  });

  it('every page size gives the same list', async () => {
    const reference = (await allPages('/v1/programs', 200)).flatMap((p) => p.ids);
    for (const limit of [1, 2, 4, 6]) {
      expect((await allPages('/v1/programs', limit)).flatMap((p) => p.ids)).toEqual(reference);
    }
  });

  it('items created while paging appear at the end, never twice, none skipped', async () => {
    const first = await h.call('GET', '/v1/programs?limit=4');
    const seen: string[] = first.json().data.map((p: { id: string }) => p.id);
    const added = (await h.call('POST', '/v1/programs', { body: { name: 'Late comer' } })).json().id;
    let cursor = first.json().nextCursor;
    while (cursor) {
      const res = (await h.call('GET', `/v1/programs?limit=4&cursor=${cursor}`)).json();
      seen.push(...res.data.map((p: { id: string }) => p.id));
      cursor = res.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.at(-1)).toBe(added);
    expect(seen).toHaveLength(8);
  });

  it("a program's keys page the same way", async () => {
    const ids = [(await h.call('GET', `/v1/programs/${program.id}/keys`)).json().data[0].id];
    for (let i = 0; i < 6; i++) {
      ids.push((await h.call('POST', `/v1/programs/${program.id}/keys`, { body: { name: `key ${i}` } })).json().id);
    }
    const pages = await allPages(`/v1/programs/${program.id}/keys`, 3);
    expect(pages.flatMap((p) => p.ids)).toEqual(ids);
    expect(pages.map((p) => p.ids.length)).toEqual([3, 3, 1]);
    // The program's own key sees the same pages.
    expect((await allPages(`/v1/programs/${program.id}/keys`, 3, program.key)).flatMap((p) => p.ids)).toEqual(ids);
  });

  it('admin keys page the same way, and hold no program key', async () => {
    for (let i = 0; i < 4; i++) await h.call('POST', '/v1/admin-keys', { body: { name: `admin ${i}` } });
    const pages = await allPages('/v1/admin-keys', 2);
    const ids = pages.flatMap((p) => p.ids);
    expect(ids).toHaveLength(5); // the harness's key and four more
    expect(new Set(ids).size).toBe(5);
    const programKeyIds = (await allPages(`/v1/programs/${program.id}/keys`, 200)).flatMap((p) => p.ids);
    expect(ids.filter((id) => programKeyIds.includes(id))).toEqual([]);
  });

  it('the default page size is 50 and the largest is 200', async () => {
    for (let i = 0; i < 52; i++) await h.call('POST', '/v1/programs', { body: { name: `Bulk ${i}` } });
    const defaultPage = (await h.call('GET', '/v1/programs')).json();
    expect(defaultPage.data).toHaveLength(50);
    expect(defaultPage.nextCursor).toEqual(expect.any(String));
    const big = (await h.call('GET', '/v1/programs?limit=200')).json();
    expect(big.data).toHaveLength(60);
    expect(big.nextCursor).toBeNull();
    expectProblem(await h.call('GET', '/v1/programs?limit=201'), 400, 'query.limit');
  });

  it('an empty cursor is the first page; a cursor past the end is an empty last page', async () => {
    const first = (await h.call('GET', '/v1/programs?limit=2&cursor=')).json();
    expect(first.data[0].id).toBe(program.id);
    const past = Buffer.from('ffffffff-ffff-7fff-bfff-ffffffffffff').toString('base64url');
    expect((await h.call('GET', `/v1/programs?cursor=${past}`)).json()).toEqual({ data: [], nextCursor: null });
  });
});
