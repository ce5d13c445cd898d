import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { ManualClock } from '../../src/clock/clock.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { openDb } from '../../src/storage/open.ts';
import { createFreshDatabase } from './fresh-database.ts';
import { testSealKey, testSealKeyText } from './sealing-key.ts';

/**
 * The CLI spawned for real: `node src/cli/main.ts` (process.execPath is the project's Node 24
 * under vitest). Every child is killed if it outlives its bound, and when the test file ends.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src/cli/main.ts');
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The environment of a child: this one's, without anything that would point it elsewhere. */
export function childEnv(extra: Record<string, string>, logLevel = 'info'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: logLevel };
  for (const name of ['DATABASE_URL', 'PUNCHCARD_DATA_DIR', 'PUNCHCARD_ROLES', 'PUNCHCARD_SANDBOX', 'PUNCHCARD_ENCRYPTION_KEY', 'PORT', 'HOST']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

export interface Spawned {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** Resolves with the first match of `pattern` in stdout; rejects if the child ends first. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  /** The child ended and its output is complete. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(args: string[], env: NodeJS.ProcessEnv, boundMs = 90_000): Spawned {
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
  const killer = setTimeout(() => child.kill('SIGKILL'), boundMs);
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
export async function run(args: string[], env: NodeJS.ProcessEnv) {
  const spawned = start(args, env);
  const { code, signal } = await spawned.exited;
  return { code, signal, ...spawned.output() };
}

export interface Store {
  env: Record<string, string>;
  open: () => ReturnType<typeof openDb>;
}

/** Where a CLI process keeps its data: a fresh PGlite directory, or a fresh, empty PostgreSQL database. */
export async function freshStore(engine: 'pglite' | 'postgres'): Promise<Store> {
  if (engine === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'punchcard-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const dataDir = join(dir, 'data'); // not created yet: the CLI must create it
    return { env: { PUNCHCARD_DATA_DIR: dataDir, PUNCHCARD_ENCRYPTION_KEY: testSealKeyText }, open: () => openDb({ dataDir }) };
  }
  const { url, drop } = await createFreshDatabase(process.env.DATABASE_URL!, 'punchcard_cli');
  cleanups.push(drop);
  return { env: { DATABASE_URL: url, PUNCHCARD_ENCRYPTION_KEY: testSealKeyText }, open: () => openDb({ databaseUrl: url }) };
}

/** Opens the store once the CLI has let go of it, and runs `work` against it. */
export async function withStore<T>(store: Store, work: (ctx: ServiceContext) => Promise<T>): Promise<T> {
  const db = await store.open();
  try {
    return await work({ db, clock: new ManualClock(), sandbox: true, sealKey: testSealKey });
  } finally {
    await db.close();
  }
}

/** The engines a CLI test runs on: PGlite always, PostgreSQL too when DATABASE_URL names a server. */
export const cliEngines: ('pglite' | 'postgres')[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
