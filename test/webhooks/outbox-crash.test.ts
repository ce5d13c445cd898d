import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/clock.ts';
import { buildApp } from '../../src/http/app.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createAdminKey } from '../../src/services/api-keys.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import type { Db } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openPglite } from '../../src/storage/pglite.ts';
import { openTestDb } from '../support/database.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { testSealKey, testSealKeyText } from '../support/sealing-key.ts';
import { registerMember } from './api.ts';
import { eventIdOf, expectValidPayload, verifiesWith } from './payloads.ts';

/**
 * The outbox promise, tested end to end with real processes: every event committed with its
 * change is delivered at least once, even when the worker process is killed (SIGKILL: no
 * shutdown code runs) in the middle of the load.
 */

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const members = 150; // two events or more each: at least 300 events
const processTimeoutMs = 60_000;

/**
 * The test's way into the worker's database. On PostgreSQL both processes use it at once; a
 * PGlite data directory can be opened by one process only, so the test opens it between the
 * worker's lives, never during one.
 */
interface Store {
  workerEnv: Record<string, string>;
  use<T>(work: (db: Db) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

async function openStore(): Promise<Store> {
  if (process.env.DATABASE_URL) {
    const { db, url, drop } = await openTestDb();
    return { workerEnv: { DATABASE_URL: url! }, use: (work) => work(db), dispose: drop };
  }
  const dir = await mkdtemp(join(tmpdir(), 'punchcard-crash-'));
  return {
    workerEnv: { PUNCHCARD_DATA_DIR: dir },
    async use(work) {
      const db = await openPglite(dir);
      try {
        return await work(db);
      } finally {
        await db.close();
      }
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

interface WorkerProcess {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  kill(signal: NodeJS.Signals): void;
  running(): boolean;
}

const children = new Set<WorkerProcess>();

/** `punchcard serve --roles worker` in a process of its own, as an operator would run it. */
function startWorkerProcess(store: Store): WorkerProcess {
  const child = spawn(process.execPath, [cli, 'serve', '--roles', 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...store.workerEnv,
      PUNCHCARD_ENCRYPTION_KEY: testSealKeyText,
      PUNCHCARD_WEBHOOK_ALLOW: '127.0.0.0/8',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      resolve({ code, signal });
    }),
  );
  const worker: WorkerProcess = {
    pid: child.pid!,
    exited,
    output: () => output,
    kill: (signal) => void child.kill(signal),
    running: () => alive,
  };
  children.add(worker);
  void exited.then(() => children.delete(worker));
  return worker;
}

/** Waits for `promise`, but not forever: past the limit the test fails with the workers' output. */
async function within<T>(promise: Promise<T>, what: string, workers: WorkerProcess[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const logs = workers.map((w) => `--- worker ${w.pid} ---\n${w.output()}`).join('\n');
      reject(new Error(`timed out after ${processTimeoutMs} ms waiting for ${what}\n${logs}`));
    }, processTimeoutMs);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

let receiver: Receiver;
let store: Store;
/** Answers one request at a time, each a little later: the load lasts long enough to be cut. */
let answering: Promise<void> = Promise.resolve();
/** Called on every request the receiver gets, before it is answered. */
let onRequest: (eventId: string) => void = () => {};

beforeAll(async () => {
  receiver = await startReceiver((request, response) => {
    onRequest(request.headers['webhook-id'] as string);
    answering = answering.then(
      () => new Promise<void>((resolve) => setTimeout(() => {
        response.writeHead(204).end();
        resolve();
      }, 4)),
    );
  });
  store = await openStore();
});
afterEach(async () => {
  // A failed test must not leave a worker behind.
  for (const worker of [...children]) {
    worker.kill('SIGKILL');
    await worker.exited;
  }
});
afterAll(async () => {
  await receiver?.close();
  await store?.dispose();
});

describe('transactional outbox under a crash', () => {
  it('delivers every committed event at least once although the worker process is killed mid-load', { timeout: 180_000 }, async () => {
    // 1. Commit the changes and their events before any worker runs.
    const { ids: committed, secret } = await store.use(async (db) => {
      await migrate(db);
      // The real clock: the worker process runs on it, and the messages must be due for it.
      const ctx: ServiceContext = { db, clock: systemClock, sandbox: false, sealKey: testSealKey };
      const app = await buildApp({ ctx, scheduler: new Scheduler({ db, clock: systemClock }) });
      let programId: string;
      let secret: string;
      try {
        const admin = (await createAdminKey(ctx, 'crash test')).key;
        const call = (method: string, url: string, opts: { key?: string; body?: unknown } = {}) =>
          app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${opts.key ?? admin}` },
            ...(opts.body !== undefined ? { payload: opts.body as object } : {}) });
        const program = (await call('POST', '/v1/programs', { body: { name: 'Crash Club' } })).json();
        programId = program.id;
        const key = (await call('POST', `/v1/programs/${program.id}/keys`, { body: { name: 'crash' } })).json().key;
        const endpoint = await call('POST', '/v1/webhook-endpoints', { key, body: { url: `${receiver.url}/hooks` } });
        expect(endpoint.statusCode, endpoint.body).toBe(201);
        secret = endpoint.json().secret;
        for (let i = 0; i < members; i++) await registerMember(call, key, `m${i}@example.com`);
      } finally {
        await app.close();
      }
      const rows = await db.query<{ id: string }>(`SELECT id FROM events WHERE program_id = $1`, [programId]);
      const messages = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM webhook_messages WHERE status = 'pending'`);
      expect(messages[0].count).toBe(rows.length);
      return { ids: new Set(rows.map((r) => r.id)), secret };
    });
    expect(committed.size).toBeGreaterThanOrEqual(2 * members);

    // 2. A worker starts delivering; it is killed once some, not all, have arrived.
    const first = startWorkerProcess(store);
    await within(receiver.waitFor(60), 'the first deliveries', [first]);
    first.kill('SIGKILL');
    expect(await within(first.exited, 'the killed worker to exit', [first])).toEqual({ code: null, signal: 'SIGKILL' });
    const receivedBeforeCrash = new Set(receiver.received.map((r) => r.headers['webhook-id'] as string));
    expect(receivedBeforeCrash.size).toBeGreaterThanOrEqual(60);
    expect(receivedBeforeCrash.size).toBeLessThan(committed.size);

    // 3. What the dead worker left in the database.
    const pending = await store.use(async (db) => {
      const rows = await db.query<{ eventId: string; status: string }>(
        `SELECT event_id AS "eventId", status FROM webhook_messages`,
      );
      expect(rows).toHaveLength(committed.size);
      expect(rows.filter((r) => r.status === 'failed')).toEqual([]);
      const succeeded = rows.filter((r) => r.status === 'succeeded').map((r) => r.eventId);
      // Nothing is marked delivered that the receiver did not get...
      for (const id of succeeded) expect(receivedBeforeCrash.has(id)).toBe(true);
      // ...and whatever it did not get is still waiting to be sent.
      const stillPending = new Set(rows.filter((r) => r.status === 'pending').map((r) => r.eventId));
      for (const id of committed) if (!receivedBeforeCrash.has(id)) expect(stillPending.has(id)).toBe(true);
      // The dead worker's claims are leased to it for two minutes (leaseMs). Moving their next
      // attempt to now stands for that lease running out, so the restarted worker need not
      // wait; the lease itself is tested in lease.test.ts.
      await db.query(`UPDATE webhook_messages SET next_attempt_at = $1 WHERE status = 'pending'`, [new Date()]);
      return stillPending;
    });
    expect(pending.size).toBeGreaterThan(0);
    // The crash cut deliveries short: at least the 60th request was still waiting for its answer
    // (the receiver answers each a few milliseconds late), so its message was sent but not
    // recorded, and must be sent again.
    const sentButNotRecorded = [...pending].filter((id) => receivedBeforeCrash.has(id));
    expect(sentButNotRecorded.length).toBeGreaterThan(0);

    // 4. A new worker process takes over; it must send everything still pending.
    const waitingFor = new Set(pending);
    let allArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (allArrived = resolve));
    onRequest = (eventId) => {
      waitingFor.delete(eventId);
      if (waitingFor.size === 0) allArrived();
    };
    const second = startWorkerProcess(store);
    await within(arrived, `${pending.size} pending events to arrive`, [second]);
    onRequest = () => {};
    second.kill('SIGTERM');
    // A graceful stop: the attempts in flight finish and are recorded, then the process exits 0.
    const stopped = await within(second.exited, 'the worker to stop on SIGTERM', [second]);
    expect(stopped, second.output()).toEqual({ code: 0, signal: null });

    // 5. Every committed event arrived at least once, as itself, signed, under its own id.
    const receivedIds = new Set<string>();
    for (const r of receiver.received) {
      const id = r.headers['webhook-id'] as string;
      expect(committed.has(id)).toBe(true);
      expect(eventIdOf(r.json)).toBe(id);
      expect(verifiesWith(secret, r)).toBe(true);
      expectValidPayload(r.json);
      receivedIds.add(id);
    }
    expect(receivedIds).toEqual(committed);
    // At least once, not exactly once: what the dead worker had in flight arrived twice.
    for (const id of sentButNotRecorded) {
      expect(receiver.received.filter((r) => r.headers['webhook-id'] === id).length).toBeGreaterThanOrEqual(2);
    }

    // 6. And the database agrees: every message delivered.
    await store.use(async (db) => {
      const statuses = await db.query<{ status: string; count: number }>(
        `SELECT status, count(*)::int AS count FROM webhook_messages GROUP BY status`,
      );
      expect(statuses).toEqual([{ status: 'succeeded', count: committed.size }]);
      const unattempted = await db.query(
        `SELECT m.id FROM webhook_messages m WHERE NOT EXISTS (SELECT 1 FROM webhook_attempts a WHERE a.message_id = m.id)`,
      );
      expect(unattempted).toEqual([]);
    });
  });
});
