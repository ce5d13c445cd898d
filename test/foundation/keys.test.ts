import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueBootstrapAdminKey } from '../../src/services/api-keys.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { expectProblem } from './helpers.ts';

/** Keys are random, shown once, stored only as hashes, and can be revoked. */

let h: Harness;
let program: { id: string; key: string };

beforeAll(async () => {
  h = await startHarness();
  program = await h.newProgram('Keys Club');
});
afterAll(() => h?.close());

/** Every value of every row of every table, as text (bytea as hex and as UTF-8). */
async function everythingStored(): Promise<string> {
  const tables = await h.db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = await h.db.query(`SELECT * FROM "${name}"`);
    for (const row of rows) {
      for (const value of Object.values(row)) {
        if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('hex'), Buffer.from(value).toString('utf8'));
        else parts.push(typeof value === 'string' ? value : JSON.stringify(value));
      }
    }
  }
  return parts.join('\n');
}

describe('API keys', () => {
  it('are random, long, and recognisable by their prefix', async () => {
    const created = await Promise.all(
      Array.from({ length: 5 }, (_, i) => h.call('POST', `/v1/programs/${program.id}/keys`, { body: { name: `k${i}` } })),
    );
    const keys = created.map((res) => {
      expect(res.statusCode).toBe(201);
      return res.json();
    });
    expect(new Set(keys.map((k) => k.key)).size).toBe(5);
    for (const k of keys) {
      expect(k.key).toMatch(/^pc_prg_[A-Za-z0-9_-]{43}$/); // 256 random bits
      expect(k.prefix).toBe(k.key.slice(0, 11));
      expect(k.programId).toBe(program.id);
      expect(k.revokedAt).toBeNull();
    }
    // No shared stem beyond the fixed prefix and chance.
    const secrets = keys.map((k) => k.key.slice(7));
    for (const s of secrets.slice(1)) expect(s.slice(0, 6)).not.toBe(secrets[0].slice(0, 6));

    const admin = await h.call('POST', '/v1/admin-keys', { body: { name: 'ops' } });
    expect(admin.statusCode).toBe(201);
    expect(admin.json()).toMatchObject({ programId: null, name: 'ops', key: expect.stringMatching(/^pc_adm_[A-Za-z0-9_-]{43}$/) });
  });

  it('are shown once: no list or read ever returns the key again', async () => {
    const created = (await h.call('POST', `/v1/programs/${program.id}/keys`, { body: { name: 'shown once' } })).json();
    const admin = (await h.call('POST', '/v1/admin-keys', { body: { name: 'shown once too' } })).json();
    const reads = [
      await h.call('GET', `/v1/programs/${program.id}/keys?limit=200`),
      await h.call('GET', `/v1/programs/${program.id}/keys?limit=200`, { key: program.key }),
      await h.call('GET', '/v1/admin-keys?limit=200'),
      await h.call('GET', `/v1/programs/${program.id}`),
      await h.call('GET', '/v1/programs'),
    ];
    for (const res of reads) {
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(created.key);
      expect(res.body).not.toContain(admin.key);
      expect(res.body).not.toContain(h.adminKey);
    }
    const programKeys = reads[0].json().data;
    expect(programKeys.map((k: { id: string }) => k.id)).toContain(created.id);
    for (const k of [...programKeys, ...reads[2].json().data]) {
      expect(Object.keys(k).sort()).toEqual(['createdAt', 'id', 'name', 'prefix', 'programId', 'revokedAt']);
    }
    const revoked = await h.call('DELETE', `/v1/keys/${created.id}`);
    expect(revoked.body).not.toContain(created.key);
    expect(revoked.json()).not.toHaveProperty('key');
  });

  it('are stored only as hashes: no column of any table holds a key', async () => {
    const created = (await h.call('POST', `/v1/programs/${program.id}/keys`, { body: { name: 'hashed' } })).json();
    // Also through Idempotency-Key, whose record keeps the first answer for replays.
    const viaIdempotency = (await h.call('POST', '/v1/admin-keys', {
      body: { name: 'hashed admin' },
      headers: { 'idempotency-key': 'admin-key-1' },
    })).json();
    const stored = await everythingStored();
    for (const key of [created.key, viaIdempotency.key, h.adminKey, program.key]) {
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(key.slice(7)); // the random part alone
    }
    const [row] = await h.db.query<{ key_hash: Uint8Array }>(`SELECT key_hash FROM api_keys WHERE id = $1`, [created.id]);
    expect(Buffer.from(row.key_hash).equals(createHash('sha256').update(created.key).digest())).toBe(true);
  });

  it('a replay through Idempotency-Key still hands the client its key', async () => {
    const first = await h.call('POST', '/v1/admin-keys', { body: { name: 'retry' }, headers: { 'idempotency-key': 'retry-1' } });
    const again = await h.call('POST', '/v1/admin-keys', { body: { name: 'retry' }, headers: { 'idempotency-key': 'retry-1' } });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await h.call('GET', '/v1/admin-keys', { key: first.json().key })).statusCode).toBe(200);
  });

  it('authenticate exactly: a changed character, case or extra text is refused', async () => {
    const { key } = (await h.call('POST', `/v1/programs/${program.id}/keys`, { body: { name: 'exact' } })).json();
    expect((await h.call('GET', `/v1/programs/${program.id}`, { key })).statusCode).toBe(200);
    const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    for (const wrong of [flipped, key.toUpperCase(), `${key}x`, key.slice(0, -1), key.slice(0, 11)]) {
      expectProblem(await h.call('GET', `/v1/programs/${program.id}`, { key: wrong }), 401);
    }
    // The scheme name is case-insensitive (RFC 9110), the key is not.
    const lower = await h.call('GET', `/v1/programs/${program.id}`, { key: '', headers: { authorization: `bearer ${key}` } });
    expect(lower.statusCode).toBe(200);
  });

  it('revoked keys stop working at once, and revoking twice keeps the first time', async () => {
    const created = (await h.call('POST', `/v1/programs/${program.id}/keys`, { body: { name: 'short-lived' } })).json();
    expect((await h.call('GET', `/v1/programs/${program.id}`, { key: created.key })).statusCode).toBe(200);
    const revoked = await h.call('DELETE', `/v1/keys/${created.id}`);
    expect(revoked.statusCode).toBe(200);
    const revokedAt = h.clock.now().toISOString();
    expect(revoked.json()).toMatchObject({ id: created.id, revokedAt });
    expectProblem(await h.call('GET', `/v1/programs/${program.id}`, { key: created.key }), 401);
    expectProblem(await h.call('GET', '/v1/programs', { key: created.key }), 401);

    h.clock.advance(60_000);
    const again = await h.call('DELETE', `/v1/keys/${created.id}`);
    expect(again.statusCode).toBe(200);
    expect(again.json().revokedAt).toBe(revokedAt);
    const listed = (await h.call('GET', `/v1/programs/${program.id}/keys?limit=200`)).json().data;
    expect(listed.find((k: { id: string }) => k.id === created.id).revokedAt).toBe(revokedAt);
  });

  it('a revoked admin key is refused, even on admin routes', async () => {
    const admin = (await h.call('POST', '/v1/admin-keys', { body: { name: 'leaving' } })).json();
    expect((await h.call('GET', '/v1/admin-keys', { key: admin.key })).statusCode).toBe(200);
    expect((await h.call('DELETE', `/v1/keys/${admin.id}`)).statusCode).toBe(200);
    expectProblem(await h.call('GET', '/v1/admin-keys', { key: admin.key }), 401);
    expectProblem(await h.call('POST', '/v1/programs', { key: admin.key, body: { name: 'Nope' } }), 401);
  });

  it('the bootstrap admin key is issued on the first start only', async () => {
    const first = await issueBootstrapAdminKey(h.ctx);
    expect(first?.key).toMatch(/^pc_adm_/);
    expect(first?.name).toBe('bootstrap');
    expect((await h.call('GET', '/v1/admin-keys', { key: first!.key })).statusCode).toBe(200);
    expect(await issueBootstrapAdminKey(h.ctx)).toBeNull();
    // Even once that key is revoked: it is never printed again.
    await h.call('DELETE', `/v1/keys/${first!.id}`);
    expect(await issueBootstrapAdminKey(h.ctx)).toBeNull();
  });
});
