import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { expectProblem, snapshot } from './helpers.ts';

/**
 * Every route refuses bad input with the right status, an RFC 9457 body naming the offending
 * field, and no change in the database. No input produces a 500.
 */

let h: Harness;
/** The JSON text of {"a": {"a": … {}}}, `levels` objects deep (too deep for JSON.stringify). */
const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
const f = { programId: '', programKey: '', otherProgramId: '', otherKey: '', otherKeyId: '', revokedKey: '' };
const unknownId = '019c0000-0000-7000-8000-000000000000';

beforeAll(async () => {
  h = await startHarness();
  const a = await h.newProgram('Alpha', { timezone: 'Europe/Paris' });
  const b = await h.newProgram('Beta');
  f.programId = a.id;
  f.programKey = a.key;
  f.otherProgramId = b.id;
  f.otherKey = b.key;
  const created = await h.call('POST', `/v1/programs/${a.id}/keys`, { body: { name: 'to revoke' } });
  f.revokedKey = created.json().key;
  expect((await h.call('DELETE', `/v1/keys/${created.json().id}`)).statusCode).toBe(200);
  const list = await h.call('GET', `/v1/programs/${b.id}/keys`);
  f.otherKeyId = list.json().data[0].id;
});
afterAll(() => h?.close());

interface Case {
  name: string;
  method: string;
  url: () => string;
  key?: () => string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  field?: string;
}

const json = { 'content-type': 'application/json' };
const programUrl = () => `/v1/programs/${f.programId}`;
const keysUrl = () => `/v1/programs/${f.programId}/keys`;
const advanceUrl = () => `/v1/programs/${f.programId}/clock/advance`;
const base64url = (text: string) => Buffer.from(text).toString('base64url');

const cases: Case[] = [
  // POST /v1/programs
  { name: 'create: missing name', method: 'POST', url: () => '/v1/programs', body: {}, status: 400, field: '/name' },
  { name: 'create: name of the wrong type', method: 'POST', url: () => '/v1/programs', body: { name: 5 }, status: 400, field: '/name' },
  { name: 'create: empty name', method: 'POST', url: () => '/v1/programs', body: { name: '' }, status: 400, field: '/name' },
  { name: 'create: name too long', method: 'POST', url: () => '/v1/programs', body: { name: 'x'.repeat(201) }, status: 400, field: '/name' },
  { name: 'create: unknown field', method: 'POST', url: () => '/v1/programs', body: { name: 'X', colour: 'red' }, status: 400, field: '/colour' },
  { name: 'create: unknown nested field', method: 'POST', url: () => '/v1/programs',
    body: { name: 'X', settings: { expiringNotifications: { pointsDaysBefore: 3 } } }, status: 400,
    field: '/settings/expiringNotifications/pointsDaysBefore' },
  { name: 'create: days-before as a string', method: 'POST', url: () => '/v1/programs',
    body: { name: 'X', settings: { expiringNotifications: { unitsDaysBefore: '7' } } }, status: 400,
    field: '/settings/expiringNotifications/unitsDaysBefore' },
  { name: 'create: negative days-before', method: 'POST', url: () => '/v1/programs',
    body: { name: 'X', settings: { expiringNotifications: { couponsDaysBefore: -1 } } }, status: 400,
    field: '/settings/expiringNotifications/couponsDaysBefore' },
  { name: 'create: days-before over a year', method: 'POST', url: () => '/v1/programs',
    body: { name: 'X', settings: { expiringNotifications: { tiersDaysBefore: 366 } } }, status: 400,
    field: '/settings/expiringNotifications/tiersDaysBefore' },
  { name: 'create: fractional days-before', method: 'POST', url: () => '/v1/programs',
    body: { name: 'X', settings: { expiringNotifications: { unitsDaysBefore: 1.5 } } }, status: 400,
    field: '/settings/expiringNotifications/unitsDaysBefore' },
  { name: 'create: settings not an object', method: 'POST', url: () => '/v1/programs', body: { name: 'X', settings: [] }, status: 400, field: '/settings' },
  { name: 'create: unknown time zone', method: 'POST', url: () => '/v1/programs', body: { name: 'X', timezone: 'Mars/Olympus_Mons' }, status: 422, field: '/timezone' },
  { name: 'create: offset instead of a zone', method: 'POST', url: () => '/v1/programs', body: { name: 'X', timezone: '+25:00' }, status: 422, field: '/timezone' },
  { name: 'create: time zone of the wrong type', method: 'POST', url: () => '/v1/programs', body: { name: 'X', timezone: 1 }, status: 400, field: '/timezone' },
  { name: 'create: empty time zone', method: 'POST', url: () => '/v1/programs', body: { name: 'X', timezone: '' }, status: 400, field: '/timezone' },
  { name: 'create: body is an array', method: 'POST', url: () => '/v1/programs', body: [{ name: 'X' }], status: 400, field: '/' },
  // A POST without a body, or with null, is checked as {} (src/http/app.ts): the required field is named.
  { name: 'create: body is null', method: 'POST', url: () => '/v1/programs', body: 'null', headers: json, status: 400, field: '/name' },
  { name: 'create: malformed JSON', method: 'POST', url: () => '/v1/programs', body: '{"name": "X",', headers: json, status: 400, field: 'body' },
  { name: 'create: empty JSON body', method: 'POST', url: () => '/v1/programs', body: '', headers: json, status: 400, field: 'body' },
  { name: 'create: no body at all', method: 'POST', url: () => '/v1/programs', status: 400, field: '/name' },
  { name: 'create: body is a string', method: 'POST', url: () => '/v1/programs', body: '"Coffee Club"', headers: json, status: 400, field: '/' },
  { name: 'advance: no body at all', method: 'POST', url: advanceUrl, status: 422, field: '/by' },
  { name: 'create: prototype pollution', method: 'POST', url: () => '/v1/programs', body: '{"name":"X","__proto__":{"admin":true}}', headers: json, status: 400, field: 'body' },
  { name: 'create: text/plain body', method: 'POST', url: () => '/v1/programs', body: '{"name":"X"}', headers: { 'content-type': 'text/plain' }, status: 415, field: 'header.content-type' },
  { name: 'create: form body', method: 'POST', url: () => '/v1/programs', body: 'name=X', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, field: 'header.content-type' },
  { name: 'create: NUL character in the name', method: 'POST', url: () => '/v1/programs', body: { name: 'Cof\u0000fee' }, status: 400, field: '/name' },
  // Code that walks free JSON recurses (idempotency hashes, canonical forms): refused before it runs.
  { name: 'create: a body nested 5,000 levels deep, with an Idempotency-Key', method: 'POST', url: () => '/v1/programs',
    body: `{"name":"Deep","settings":${nested(5000)}}`, headers: { ...json, 'idempotency-key': 'deep-body' }, status: 400, field: `/settings${'/a'.repeat(63)}` },
  { name: 'create: a list nested 65 levels deep', method: 'POST', url: () => '/v1/programs',
    body: { name: 'Deep', settings: { members: JSON.parse('['.repeat(64) + ']'.repeat(64)) } }, status: 400, field: `/settings/members${'/0'.repeat(62)}` },
  { name: 'create: Idempotency-Key too long', method: 'POST', url: () => '/v1/programs', body: { name: 'X' }, headers: { 'idempotency-key': 'k'.repeat(256) }, status: 400, field: 'header.idempotency-key' },
  { name: 'create: no key', method: 'POST', url: () => '/v1/programs', key: () => '', body: { name: 'X' }, status: 401 },
  { name: 'create: unknown key', method: 'POST', url: () => '/v1/programs', key: () => 'pc_adm_notakey', body: { name: 'X' }, status: 401 },
  { name: 'create: revoked key', method: 'POST', url: () => '/v1/programs', key: () => f.revokedKey, body: { name: 'X' }, status: 401 },
  { name: 'create: Basic instead of Bearer', method: 'POST', url: () => '/v1/programs', key: () => '',
    headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, body: { name: 'X' }, status: 401 },
  { name: 'create: with a program key', method: 'POST', url: () => '/v1/programs', key: () => f.programKey, body: { name: 'X' }, status: 403 },

  // GET /v1/programs/:programId
  { name: 'get: id not a uuid', method: 'GET', url: () => '/v1/programs/42', status: 400, field: 'path.programId' },
  { name: 'get: id with SQL in it', method: 'GET', url: () => `/v1/programs/${encodeURIComponent("1' OR '1'='1")}`, status: 400, field: 'path.programId' },
  { name: 'get: unknown program', method: 'GET', url: () => `/v1/programs/${unknownId}`, status: 404 },
  { name: 'get: no key', method: 'GET', url: programUrl, key: () => '', status: 401 },
  { name: 'get: revoked key', method: 'GET', url: programUrl, key: () => f.revokedKey, status: 401 },

  // PATCH /v1/programs/:programId
  { name: 'update: id not a uuid', method: 'PATCH', url: () => '/v1/programs/alpha', body: { name: 'Y' }, status: 400, field: 'path.programId' },
  { name: 'update: name null', method: 'PATCH', url: programUrl, body: { name: null }, status: 400, field: '/name' },
  { name: 'update: empty name', method: 'PATCH', url: programUrl, body: { name: '' }, status: 400, field: '/name' },
  { name: 'update: unknown field', method: 'PATCH', url: programUrl, body: { name: 'Y', tier: 'gold' }, status: 400, field: '/tier' },
  { name: 'update: read-only id', method: 'PATCH', url: programUrl, body: { id: unknownId }, status: 400, field: '/id' },
  { name: 'update: read-only clock', method: 'PATCH', url: programUrl, body: { clock: { offsetMs: 1 } }, status: 400, field: '/clock' },
  { name: 'update: unknown time zone', method: 'PATCH', url: programUrl, body: { name: 'Y', timezone: 'Europe/Atlantis' }, status: 422, field: '/timezone' },
  { name: 'update: bad days-before', method: 'PATCH', url: programUrl,
    body: { settings: { expiringNotifications: { unitsDaysBefore: 'soon' } } }, status: 400,
    field: '/settings/expiringNotifications/unitsDaysBefore' },
  { name: 'update: malformed JSON', method: 'PATCH', url: programUrl, body: '{name: "Y"}', headers: json, status: 400, field: 'body' },
  { name: 'update: text/plain body', method: 'PATCH', url: programUrl, body: 'Y', headers: { 'content-type': 'text/plain' }, status: 415, field: 'header.content-type' },
  { name: 'update: NUL character', method: 'PATCH', url: programUrl, body: { name: '\u0000' }, status: 400, field: '/name' },
  { name: 'update: unknown program', method: 'PATCH', url: () => `/v1/programs/${unknownId}`, body: { name: 'Y' }, status: 404 },
  { name: 'update: no key', method: 'PATCH', url: programUrl, key: () => '', body: { name: 'Y' }, status: 401 },
  { name: 'update: revoked key', method: 'PATCH', url: programUrl, key: () => f.revokedKey, body: { name: 'Y' }, status: 401 },
  { name: "update: another program's key", method: 'PATCH', url: programUrl, key: () => f.otherKey, body: { name: 'Y' }, status: 403 },

  // GET /v1/programs
  { name: 'list: fractional limit', method: 'GET', url: () => '/v1/programs?limit=2.5', status: 400, field: 'query.limit' },
  { name: 'list: limit as a boolean', method: 'GET', url: () => '/v1/programs?limit=true', status: 400, field: 'query.limit' },
  { name: 'list: limit in exponent form', method: 'GET', url: () => '/v1/programs?limit=1e1', status: 400, field: 'query.limit' },
  { name: 'list: limit 0', method: 'GET', url: () => '/v1/programs?limit=0', status: 400, field: 'query.limit' },
  { name: 'list: limit over 200', method: 'GET', url: () => '/v1/programs?limit=201', status: 400, field: 'query.limit' },
  { name: 'list: negative limit', method: 'GET', url: () => '/v1/programs?limit=-5', status: 400, field: 'query.limit' },
  { name: 'list: limit not a number', method: 'GET', url: () => '/v1/programs?limit=ten', status: 400, field: 'query.limit' },
  { name: 'list: limit given twice', method: 'GET', url: () => '/v1/programs?limit=2&limit=3', status: 400, field: 'query.limit' },
  { name: 'list: unknown query parameter', method: 'GET', url: () => '/v1/programs?sort=name', status: 400, field: 'query.sort' },
  { name: 'list: cursor not from this list', method: 'GET', url: () => '/v1/programs?cursor=abc', status: 422, field: 'query.cursor' },
  { name: 'list: cursor encoding something else', method: 'GET', url: () => `/v1/programs?cursor=${base64url("' OR 1=1 --")}`, status: 422, field: 'query.cursor' },
  { name: 'list: cursor too long', method: 'GET', url: () => `/v1/programs?cursor=${'a'.repeat(201)}`, status: 400, field: 'query.cursor' },
  { name: 'list: NUL in the cursor', method: 'GET', url: () => '/v1/programs?cursor=%00', status: 400, field: 'query.cursor' },
  { name: 'list: no key', method: 'GET', url: () => '/v1/programs', key: () => '', status: 401 },
  { name: 'list: revoked key', method: 'GET', url: () => '/v1/programs', key: () => f.revokedKey, status: 401 },

  // POST /v1/programs/:programId/keys
  { name: 'create key: missing name', method: 'POST', url: keysUrl, body: {}, status: 400, field: '/name' },
  { name: 'create key: name of the wrong type', method: 'POST', url: keysUrl, body: { name: ['a'] }, status: 400, field: '/name' },
  { name: 'create key: unknown field', method: 'POST', url: keysUrl, body: { name: 'k', scopes: ['all'] }, status: 400, field: '/scopes' },
  { name: 'create key: program id not a uuid', method: 'POST', url: () => '/v1/programs/xyz/keys', body: { name: 'k' }, status: 400, field: 'path.programId' },
  { name: 'create key: unknown program', method: 'POST', url: () => `/v1/programs/${unknownId}/keys`, body: { name: 'k' }, status: 404 },
  { name: 'create key: malformed JSON', method: 'POST', url: keysUrl, body: '{"name"}', headers: json, status: 400, field: 'body' },
  { name: 'create key: wrong content type', method: 'POST', url: keysUrl, body: 'k', headers: { 'content-type': 'text/plain' }, status: 415, field: 'header.content-type' },
  { name: 'create key: with a program key', method: 'POST', url: keysUrl, key: () => f.programKey, body: { name: 'k' }, status: 403 },
  { name: 'create key: revoked key', method: 'POST', url: keysUrl, key: () => f.revokedKey, body: { name: 'k' }, status: 401 },

  // GET /v1/programs/:programId/keys
  { name: 'list keys: limit 0', method: 'GET', url: () => `${keysUrl()}?limit=0`, status: 400, field: 'query.limit' },
  { name: 'list keys: limit 1000', method: 'GET', url: () => `${keysUrl()}?limit=1000`, status: 400, field: 'query.limit' },
  { name: 'list keys: bad cursor', method: 'GET', url: () => `${keysUrl()}?cursor=${base64url('not-a-uuid')}`, status: 422, field: 'query.cursor' },
  { name: 'list keys: unknown query parameter', method: 'GET', url: () => `${keysUrl()}?revoked=true`, status: 400, field: 'query.revoked' },
  { name: 'list keys: program id not a uuid', method: 'GET', url: () => '/v1/programs/1/keys', status: 400, field: 'path.programId' },
  { name: 'list keys: unknown program', method: 'GET', url: () => `/v1/programs/${unknownId}/keys`, status: 404 },
  { name: 'list keys: no key', method: 'GET', url: keysUrl, key: () => '', status: 401 },

  // DELETE /v1/keys/:keyId
  { name: 'revoke: key id not a uuid', method: 'DELETE', url: () => '/v1/keys/pc_prg_123', status: 400, field: 'path.keyId' },
  { name: 'revoke: unknown key id', method: 'DELETE', url: () => `/v1/keys/${unknownId}`, status: 404 },
  { name: "revoke: another program's key with a program key", method: 'DELETE', url: () => `/v1/keys/${f.otherKeyId}`, key: () => f.programKey, status: 404 },
  { name: 'revoke: no key', method: 'DELETE', url: () => `/v1/keys/${f.otherKeyId}`, key: () => '', status: 401 },
  { name: 'revoke: revoked key', method: 'DELETE', url: () => `/v1/keys/${f.otherKeyId}`, key: () => f.revokedKey, status: 401 },

  // /v1/admin-keys
  { name: 'create admin key: missing name', method: 'POST', url: () => '/v1/admin-keys', body: {}, status: 400, field: '/name' },
  { name: 'create admin key: name of the wrong type', method: 'POST', url: () => '/v1/admin-keys', body: { name: true }, status: 400, field: '/name' },
  { name: 'create admin key: unknown field', method: 'POST', url: () => '/v1/admin-keys', body: { name: 'a', programId: unknownId }, status: 400, field: '/programId' },
  { name: 'create admin key: malformed JSON', method: 'POST', url: () => '/v1/admin-keys', body: '[', headers: json, status: 400, field: 'body' },
  { name: 'create admin key: with a program key', method: 'POST', url: () => '/v1/admin-keys', key: () => f.programKey, body: { name: 'a' }, status: 403 },
  { name: 'create admin key: no key', method: 'POST', url: () => '/v1/admin-keys', key: () => '', body: { name: 'a' }, status: 401 },
  { name: 'list admin keys: with a program key', method: 'GET', url: () => '/v1/admin-keys', key: () => f.programKey, status: 403 },
  { name: 'list admin keys: limit 0', method: 'GET', url: () => '/v1/admin-keys?limit=0', status: 400, field: 'query.limit' },
  { name: 'list admin keys: bad cursor', method: 'GET', url: () => '/v1/admin-keys?cursor=zzzz', status: 422, field: 'query.cursor' },

  // POST /v1/programs/:programId/clock/advance
  { name: 'advance: by of the wrong type', method: 'POST', url: advanceUrl, body: { by: 86400 }, status: 400, field: '/by' },
  { name: 'advance: to not a date-time', method: 'POST', url: advanceUrl, body: { to: 'next week' }, status: 400, field: '/to' },
  { name: 'advance: to a bare year', method: 'POST', url: advanceUrl, body: { to: '2030' }, status: 400, field: '/to' },
  { name: 'advance: both by and to', method: 'POST', url: advanceUrl, body: { by: 'P1D', to: '2030-01-01T00:00:00Z' }, status: 422, field: '/by' },
  { name: 'advance: neither by nor to', method: 'POST', url: advanceUrl, body: {}, status: 422, field: '/by' },
  { name: 'advance: not a duration', method: 'POST', url: advanceUrl, body: { by: 'one day' }, status: 422, field: '/by' },
  { name: 'advance: negative duration', method: 'POST', url: advanceUrl, body: { by: 'PT-1H' }, status: 422, field: '/by' },
  { name: 'advance: zero duration', method: 'POST', url: advanceUrl, body: { by: 'PT0S' }, status: 422, field: '/by' },
  { name: 'advance: past the year 9999', method: 'POST', url: advanceUrl, body: { by: 'P100000Y' }, status: 422, field: '/by' },
  { name: 'advance: backwards in time', method: 'POST', url: advanceUrl, body: { to: '2020-01-01T00:00:00Z' }, status: 422, field: '/to' },
  { name: 'advance: unknown field', method: 'POST', url: advanceUrl, body: { by: 'P1D', speed: 2 }, status: 400, field: '/speed' },
  { name: 'advance: program id not a uuid', method: 'POST', url: () => '/v1/programs/now/clock/advance', body: { by: 'P1D' }, status: 400, field: 'path.programId' },
  { name: 'advance: unknown program', method: 'POST', url: () => `/v1/programs/${unknownId}/clock/advance`, body: { by: 'P1D' }, status: 404 },
  { name: 'advance: malformed JSON', method: 'POST', url: advanceUrl, body: '{"by":"P1D"', headers: json, status: 400, field: 'body' },
  { name: 'advance: wrong content type', method: 'POST', url: advanceUrl, body: 'by=P1D', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, field: 'header.content-type' },
  { name: 'advance: no key', method: 'POST', url: advanceUrl, key: () => '', body: { by: 'P1D' }, status: 401 },
  { name: 'advance: revoked key', method: 'POST', url: advanceUrl, key: () => f.revokedKey, body: { by: 'P1D' }, status: 401 },
  { name: "advance: another program's key", method: 'POST', url: advanceUrl, key: () => f.otherKey, body: { by: 'P1D' }, status: 403 },

  // Unknown routes and methods
  { name: 'unknown route', method: 'GET', url: () => '/v1/nothing-here', status: 404 },
  { name: 'unknown method on a known path', method: 'PUT', url: () => '/v1/programs', body: { name: 'X' }, status: 404 },
];

describe('bad input', () => {
  it.each(cases)('$name → $status', async (c) => {
    const before = await snapshot(h.db);
    const res = await h.call(c.method, c.url(), {
      key: c.key?.(),
      body: c.body,
      headers: c.headers,
    });
    const problem = expectProblem(res, c.status, c.field);
    expect(problem.instance).toBe(c.url().split('?')[0]);
    expect(await snapshot(h.db)).toEqual(before);
  });

  it('the program the bad requests aimed at is unchanged', async () => {
    const res = await h.call('GET', `/v1/programs/${f.programId}`);
    expect(res.json()).toMatchObject({ name: 'Alpha', timezone: 'Europe/Paris', clock: { offsetMs: 0 } });
    const list = await h.call('GET', '/v1/programs');
    expect(list.json().data.map((p: { name: string }) => p.name)).toEqual(['Alpha', 'Beta']);
  });
});

describe('no input produces a 500', () => {
  const odd: unknown[] = [
    null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', 'x'.repeat(5000), '😀', '\ud800',
    '\u202e', '%00', "'; DROP TABLE programs; --", '../../etc/passwd', '0000-00-00T00:00:00Z', '9999-12-31T23:59:59.999Z',
    '+275760-09-13T00:00:00Z', 'P', 'PT', 'P1Y2M3DT4H5M6.789S', 'P999999999Y', 'PT9007199254740993S', [], [1, 'a'], {},
    { a: { b: { c: [] } } }, { $ref: '#' }, { constructor: { prototype: {} } },
  ];
  const bodies: { route: string; method: string; url: () => string; fields: string[]; base: Record<string, unknown> }[] = [
    { route: 'create program', method: 'POST', url: () => '/v1/programs', fields: ['name', 'timezone', 'settings'], base: { name: 'Fuzz' } },
    { route: 'update program', method: 'PATCH', url: () => `/v1/programs/${f.otherProgramId}`, fields: ['name', 'timezone', 'settings'], base: {} },
    { route: 'create key', method: 'POST', url: () => `/v1/programs/${f.otherProgramId}/keys`, fields: ['name'], base: {} },
    { route: 'create admin key', method: 'POST', url: () => '/v1/admin-keys', fields: ['name'], base: {} },
    { route: 'advance clock', method: 'POST', url: () => `/v1/programs/${f.otherProgramId}/clock/advance`, fields: ['by', 'to'], base: {} },
  ];

  it.each(bodies)('$route: odd values in every field', async ({ method, url, fields, base }) => {
    for (const field of fields) {
      for (const value of odd) {
        for (const body of [{ ...base, [field]: value }, { ...base, settings: { expiringNotifications: { [field]: value } } }]) {
          const res = await h.call(method, url(), { body });
          expect(res.statusCode, `${JSON.stringify(body).slice(0, 80)} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
          if (res.statusCode >= 400) expectProblem(res, res.statusCode);
        }
      }
    }
  });

  it('odd query strings and path segments', async () => {
    const queries = ['limit=', 'limit=1e2', 'limit=0x10', 'limit=%20', 'cursor=', 'cursor=%ff%fe', 'cursor=' + 'A'.repeat(200),
      'cursor=' + base64url('00000000-0000-0000-0000-000000000000'), 'limit[]=1', 'a=%00', '%00=1'];
    for (const q of queries) {
      for (const path of ['/v1/programs', `/v1/programs/${f.programId}/keys`, '/v1/admin-keys']) {
        const res = await h.call('GET', `${path}?${q}`);
        expect(res.statusCode, `${path}?${q} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
        if (res.statusCode >= 400) expectProblem(res, res.statusCode);
      }
    }
    for (const segment of ['%00', '..', '%2e%2e', 'a'.repeat(90), '00000000-0000-0000-0000-000000000000', unknownId.toUpperCase()]) {
      const res = await h.call('GET', `/v1/programs/${segment}`);
      expect(res.statusCode, `${segment} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
      if (res.statusCode >= 400) expectProblem(res, res.statusCode);
    }
  });
});

describe('malformed requests the framework refuses before routing', () => {
  it('answers a malformed URL with a problem naming the path', async () => {
    const local = await startHarness();
    try {
      const response = await local.call('GET', '/v1/programs/%E0%A4%A');
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({ status: 400, errors: [{ field: 'path' }] });
    } finally {
      await local.close();
    }
  });
});
