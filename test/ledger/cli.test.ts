import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { blockUnits } from '../../src/services/ledger/blocks.ts';
import { createDefinition } from '../../src/services/ledger/definitions.ts';
import { createTransaction } from '../../src/services/ledger/transactions.ts';
import { transferUnits } from '../../src/services/ledger/transfers.ts';
import { registerMember } from '../../src/services/members/register.ts';
import { createProgram } from '../../src/services/programs.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openDb } from '../../src/storage/open.ts';

/**
 * `punchcard ledger check`, spawned for real (process.execPath is the project's Node under
 * vitest) against a store where a small ledger was built through the services: exit 0 while
 * every balance equals its lots, exit 1 listing the difference once a balance row is corrupted.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src/cli/main.ts');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'PUNCHCARD_DATA_DIR', 'PUNCHCARD_ROLES', 'PUNCHCARD_SANDBOX', 'PORT', 'HOST']) delete env[name];
  return { ...env, ...extra };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function freshStore(engine: 'pglite' | 'postgres'): Promise<{ env: Record<string, string>; open: () => ReturnType<typeof openDb> }> {
  if (engine === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'punchcard-ledger-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const dataDir = join(dir, 'data');
    return { env: { PUNCHCARD_DATA_DIR: dataDir }, open: () => openDb({ dataDir }) };
  }
  const server = process.env.DATABASE_URL!;
  const name = `punchcard_ledger_cli_${randomBytes(6).toString('hex')}`;
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

const engines: ('pglite' | 'postgres')[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

describe.each(engines)('punchcard ledger check on %s', { timeout: 180_000 }, (engine) => {
  it('exits 0 on a consistent ledger and 1, naming the balance and the figure, once a balance row is corrupted', async () => {
    const store = await freshStore(engine);
    // A small ledger, built through the services.
    const { programId, other, balanceId } = await (async () => {
      const db = await store.open();
      try {
        await migrate(db);
        const ctx: ServiceContext = { db, clock: new ManualClock('2026-03-01T09:00:00.000Z'), sandbox: true };
        const program = await createProgram(ctx, { name: 'CLI Club', timezone: 'Europe/Paris' });
        const second = await createProgram(ctx, { name: 'Other Club' });
        for (const p of [program, second]) await createDefinition(ctx, p.id, { name: 'Points' });
        const ada = await registerMember(ctx, program.id, { email: 'ada@example.com' });
        const bob = await registerMember(ctx, program.id, { email: 'bob@example.com' });
        const credit = await createTransaction(ctx, program.id, { memberId: ada.id, kind: 'credit', amount: 500, autoComplete: true });
        await createTransaction(ctx, program.id, { memberId: ada.id, kind: 'debit', amount: 120, autoComplete: true });
        await blockUnits(ctx, program.id, { memberId: ada.id, amount: 30 });
        await transferUnits(ctx, program.id, { fromMemberId: ada.id, toMemberId: bob.id, amount: 50 });
        const carl = await registerMember(ctx, second.id, { email: 'carl@example.com' });
        await createTransaction(ctx, second.id, { memberId: carl.id, kind: 'credit', amount: 7, autoComplete: true });
        return { programId: program.id, other: second.id, balanceId: credit.balanceId };
      } finally {
        await db.close();
      }
    })();

    const sound = await run(['ledger', 'check'], childEnv(store.env));
    expect(sound.code, sound.stderr).toBe(0);
    expect(sound.stdout).toBe('ledger consistent: every balance equals its lots\n');

    // Corrupt one balance row behind the ledger's back.
    const db = await store.open();
    await db.query(`UPDATE balances SET available = available + 7, earned = earned - 1 WHERE id = $1`, [balanceId]);
    const [stored] = await db.query<{ available: number; earned: number }>(`SELECT available, earned FROM balances WHERE id = $1`, [balanceId]);
    await db.close();
    expect(stored).toEqual({ available: 307, earned: 499 });

    const broken = await run(['ledger', 'check'], childEnv(store.env));
    expect(broken.code, broken.stderr).toBe(1);
    expect(broken.stdout).toBe([
      `balance ${balanceId}: available stored 307, from lots 300`,
      `balance ${balanceId}: earned stored 499, from lots 500`,
      '2 differences',
      '',
    ].join('\n'));

    // Scoped to a program: the other program is still consistent; this one is not.
    const scopedOther = await run(['ledger', 'check', '--program', other], childEnv(store.env));
    expect(scopedOther.code, scopedOther.stderr).toBe(0);
    const scoped = await run(['ledger', 'check', '--program', programId], childEnv(store.env));
    expect(scoped.code).toBe(1);
    expect(scoped.stdout).toContain(`balance ${balanceId}: available stored 307, from lots 300`);
  });
});
