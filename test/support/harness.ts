import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ManualClock } from '../../src/clock/clock.ts';
import { DeliveryWorker, type WorkerOptions } from '../../src/delivery/worker.ts';
import { buildApp } from '../../src/http/app.ts';
import { registerJobHandlers } from '../../src/scheduler/handlers.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createAdminKey } from '../../src/services/api-keys.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import type { Db } from '../../src/storage/db.ts';
import { openTestDb } from './database.ts';
import { testSealKey } from './sealing-key.ts';

export interface Harness {
  db: Db;
  clock: ManualClock;
  ctx: ServiceContext;
  scheduler: Scheduler;
  app: FastifyInstance;
  adminKey: string;
  close(): Promise<void>;
  /** Calls the API through Fastify's inject with a key. */
  call(method: string, url: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  /** A delivery worker on this database and clock that may reach loopback; stopped by close(). */
  newWorker(options?: Partial<WorkerOptions>): DeliveryWorker;
  /** Creates a program and one key for it. */
  newProgram(name?: string, extra?: Record<string, unknown>): Promise<{ id: string; key: string; program: any }>;
}

export async function startHarness(options: { sandbox?: boolean; start?: string } = {}): Promise<Harness> {
  const { db, drop } = await openTestDb();
  const clock = new ManualClock(options.start ?? '2026-03-01T09:00:00.000Z');
  const ctx: ServiceContext = { db, clock, sandbox: options.sandbox ?? true, sealKey: testSealKey };
  const scheduler = new Scheduler({ db, clock });
  registerJobHandlers(scheduler, ctx);
  const app = await buildApp({ ctx, scheduler });
  const adminKey = (await createAdminKey(ctx, 'test admin')).key;

  const call: Harness['call'] = (method, url, opts = {}) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { ...(opts.key !== '' ? { authorization: `Bearer ${opts.key ?? adminKey}` } : {}), ...opts.headers },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    });

  const workers: DeliveryWorker[] = [];
  return {
    db, clock, ctx, scheduler, app, adminKey, call,
    newWorker(options = {}) {
      // random 0.5 puts every retry exactly on its schedule (no jitter) unless a test says otherwise.
      const worker = new DeliveryWorker({ db, clock, sealKey: testSealKey, allow: ['127.0.0.0/8'], random: () => 0.5, ...options });
      workers.push(worker);
      return worker;
    },
    async newProgram(name = 'VIP Club', extra = {}) {
      const created = await call('POST', '/v1/programs', { body: { name, ...extra } });
      if (created.statusCode !== 201) throw new Error(`program not created: ${created.body}`);
      const program = created.json();
      const key = await call('POST', `/v1/programs/${program.id}/keys`, { body: { name: 'test' } });
      return { id: program.id, key: key.json().key, program };
    },
    async close() {
      for (const worker of workers) await worker.stop();
      await app.close();
      await drop();
    },
  };
}
