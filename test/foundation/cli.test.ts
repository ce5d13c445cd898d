import { readFile, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../src/services/api-keys.ts';
import { createProgram } from '../../src/services/programs.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { childEnv, cliEngines, freshStore, run, start, withStore } from '../support/cli.ts';

/** The CLI and the process, spawned for real (test/support/cli.ts). */

describe('punchcard CLI', { timeout: 240_000 }, () => {
  it('--help prints the usage and exits 0', async () => {
    const res = await run(['--help'], childEnv({}));
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage:/m);
    for (const command of ['serve', 'migrate', 'keys create', 'keys revoke']) expect(res.stdout).toContain(`punchcard ${command}`);
  });

  it('no command prints the usage and exits 1; an unknown command exits 2', async () => {
    const none = await run([], childEnv({}));
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/^Usage:/m);
    const unknown = await run(['frobnicate'], childEnv({}));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: frobnicate');
  });

  it('an unknown option is refused with a message, not a stack trace', async () => {
    const res = await run(['migrate', '--force'], childEnv({}));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^punchcard: .*--force/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.each(cliEngines)('on %s', { timeout: 240_000 }, (engine) => {
  it('migrate applies every migration once', async () => {
    const store = await freshStore(engine);
    const first = await run(['migrate'], childEnv(store.env));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied migrations 1\b/);
    const again = await run(['migrate'], childEnv(store.env));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('database is up to date\n');
    const versions = await withStore(store, (ctx) => ctx.db.query<{ version: number }>(`SELECT version FROM schema_migrations ORDER BY version`));
    expect(versions[0].version).toBe(1);
    expect(first.stdout).toContain(versions.map((v) => v.version).join(', '));
  });

  it('keys create prints a key that authenticates; keys revoke ends it', async () => {
    const store = await freshStore(engine);
    const created = await run(['keys', 'create', '--name', 'ops laptop'], childEnv(store.env));
    expect(created.code, created.stderr).toBe(0);
    const [, id, key] = created.stdout.match(/^admin key ([0-9a-f-]{36}) \(shown once\):\n(pc_adm_\S+)\n$/)!;
    expect(key).toBeDefined();

    const programId = await withStore(store, async (ctx) => {
      expect(await authenticate(ctx, key)).toEqual({ kind: 'admin', keyId: id });
      const [row] = await ctx.db.query(`SELECT name FROM api_keys WHERE id = $1`, [id]);
      expect(row.name).toBe('ops laptop');
      return (await createProgram(ctx, { name: 'From the CLI' })).id;
    });

    const programKey = await run(['keys', 'create', '--program', programId], childEnv(store.env));
    expect(programKey.code, programKey.stderr).toBe(0);
    const [, keyId, secret] = programKey.stdout.match(/^program key ([0-9a-f-]{36}) \(shown once\):\n(pc_prg_\S+)\n$/)!;
    await withStore(store, async (ctx) => {
      expect(await authenticate(ctx, secret)).toEqual({ kind: 'program', keyId, programId });
    });

    const revoked = await run(['keys', 'revoke', keyId], childEnv(store.env));
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked key ${keyId} at \\d{4}-`));
    await withStore(store, async (ctx) => {
      expect(await authenticate(ctx, secret)).toBeNull();
      expect(await authenticate(ctx, key)).not.toBeNull();
    });
  });

  it('keys create for an unknown program fails with a message and creates nothing', async () => {
    const store = await freshStore(engine);
    await withStore(store, (ctx) => migrate(ctx.db));
    const res = await run(['keys', 'create', '--program', '019c0000-0000-7000-8000-000000000000'], childEnv(store.env));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^punchcard: program 019c0000-0000-7000-8000-000000000000 does not exist/);
    expect(res.stdout).not.toContain('pc_');
    await withStore(store, async (ctx) => {
      expect(await ctx.db.query(`SELECT id FROM api_keys`)).toHaveLength(0);
    });
  });

  it('serve prints the URL and the bootstrap admin key the first time only, and stops gracefully on SIGTERM', async () => {
    const store = await freshStore(engine);
    const env = childEnv({ ...store.env, PORT: '0', HOST: '127.0.0.1' });

    const first = start(['serve'], env);
    const [, url] = await first.waitFor(/API:\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\n/);
    const [, key] = await first.waitFor(/Admin API key \(shown this once, store it now\):\n\s+(pc_adm_\S+)\n/);
    expect(first.output().stdout).toMatch(/API reference:\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const listed = await fetch(`${url}/v1/admin-keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(listed.status).toBe(200);
    expect((await listed.json()).data.map((k: { name: string }) => k.name)).toEqual(['bootstrap']);
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const firstOut = first.output().stdout;
    expect(firstOut.split(key).length - 1).toBe(1); // printed once, and in no log line
    expect(firstOut).toContain('"msg":"shutting down"');

    const second = start(['serve'], env);
    const [, url2] = await second.waitFor(/API:\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\n/);
    // The key still works, the server answers, and no new key was printed or made.
    const again = await fetch(`${url2}/v1/admin-keys`, { headers: { authorization: `Bearer ${key}` } });
    expect((await again.json()).data).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.output().stdout).not.toContain('Admin API key');
    expect(second.output().stdout).not.toMatch(/pc_adm_/);
  });

  it('a start that cannot listen does not use up the bootstrap key', async () => {
    const store = await freshStore(engine);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const failed = await run(['serve'], childEnv({ ...store.env, PORT: String(port), HOST: '127.0.0.1' }));
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/EADDRINUSE/);
      expect(failed.stdout).not.toContain('pc_adm_');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    const next = start(['serve'], childEnv({ ...store.env, PORT: '0', HOST: '127.0.0.1' }));
    await next.waitFor(/OpenAPI:\s+\S+\n/);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
    expect(next.output().stdout).toMatch(/Admin API key \(shown this once, store it now\):\n\s+pc_adm_\S+\n/);
  });

  it('a SIGTERM while starting up still stops gracefully', async () => {
    const store = await freshStore(engine);
    const starting = start(['serve'], childEnv({ ...store.env, PORT: '0', HOST: '127.0.0.1' }));
    await starting.waitFor(/"msg":"migrations applied"/); // logged before the server listens
    starting.child.kill('SIGTERM');
    expect(await starting.exited).toEqual({ code: 0, signal: null });
    expect(starting.output().stdout).toContain('"msg":"shutting down"');
  });

  it('serve without PUNCHCARD_ENCRYPTION_KEY: generates <data dir>.key (0600) on the embedded database, refuses on PostgreSQL', async () => {
    const store = await freshStore(engine);
    const { PUNCHCARD_ENCRYPTION_KEY: _given, ...env } = store.env;
    if (engine === 'postgres') {
      const res = await run(['serve'], childEnv(env));
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('PUNCHCARD_ENCRYPTION_KEY is not set: with DATABASE_URL every process must be given the same key');
      return;
    }
    const serving = start(['serve'], childEnv({ ...env, PORT: '0', HOST: '127.0.0.1' }));
    await serving.waitFor(/API:\s+http/);
    serving.child.kill('SIGTERM');
    expect(await serving.exited).toEqual({ code: 0, signal: null });
    const file = `${env.PUNCHCARD_DATA_DIR}.key`;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serve refuses an unknown role', async () => {
    const store = await freshStore(engine);
    const res = await run(['serve', '--roles', 'api,cron'], childEnv(store.env));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('unknown role "cron"');
  });
});
