import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.ts';
import { authenticate } from '../../src/services/api-keys.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createProgram } from '../../src/services/programs.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openDb } from '../../src/storage/open.ts';

/**
 * The CLI and the process, spawned for real: `node src/cli/main.ts` (process.execPath is the
 * project's Node 24 under vitest). Every child is killed if it outlives its bound.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src/cli/main.ts');
const bound = 90_000;
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The environment of a child: this one's, without anything that would point it elsewhere. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  for (const name of ['DATABASE_URL', 'PUNCHCARD_DATA_DIR', 'PUNCHCARD_ROLES', 'PUNCHCARD_SANDBOX', 'PORT', 'HOST']) delete env[name];
  return { ...env, ...extra };
}

interface Spawned {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** Resolves with the first match of `pattern` in stdout; rejects if the child ends first. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  /** The child ended and its output is complete. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, [main, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), bound);
  // 'close' comes after 'exit' and after the child's stdout and stderr have ended.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = stdout.match(pattern);
        if (match) {
          listeners.delete(check);
          resolve(match);
        }
        return match;
      };
      listeners.add(check);
      check();
      void exited.then(({ code, signal }) => {
        if (!check()) reject(new Error(`ended (${code ?? signal}) before printing ${pattern}:\n${stdout}\n${stderr}`));
      });
    });
  return { child, output: () => ({ stdout, stderr }), waitFor, exited };
}

/** Runs a command to its end. */
async function run(args: string[], env: NodeJS.ProcessEnv) {
  const spawned = start(args, env);
  const { code, signal } = await spawned.exited;
  return { code, signal, ...spawned.output() };
}

/** Where a CLI process keeps its data: a fresh PGlite directory, or a fresh, empty PostgreSQL database. */
async function freshStore(engine: 'pglite' | 'postgres'): Promise<{ env: Record<string, string>; open: () => ReturnType<typeof openDb> }> {
  if (engine === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'punchcard-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const dataDir = join(dir, 'data'); // not created yet: the CLI must create it
    return { env: { PUNCHCARD_DATA_DIR: dataDir }, open: () => openDb({ dataDir }) };
  }
  const server = process.env.DATABASE_URL!;
  const name = `punchcard_cli_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });
  return { env: { DATABASE_URL: url.toString() }, open: () => openDb({ databaseUrl: url.toString() }) };
}

/** Opens the store once the CLI has let go of it, and runs `work` against it. */
async function withStore<T>(store: { open: () => ReturnType<typeof openDb> }, work: (ctx: ServiceContext) => Promise<T>): Promise<T> {
  const db = await store.open();
  try {
    return await work({ db, clock: new ManualClock(), sandbox: true });
  } finally {
    await db.close();
  }
}

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

const engines: ('pglite' | 'postgres')[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(engines)('on %s', { timeout: 240_000 }, (engine) => {
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

  it('serve refuses an unknown role', async () => {
    const store = await freshStore(engine);
    const res = await run(['serve', '--roles', 'api,cron'], childEnv(store.env));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('unknown role "cron"');
  });
});
