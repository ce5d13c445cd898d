import pino from 'pino';
import { systemClock } from '../../src/clock/clock.ts';
import { DeliveryWorker } from '../../src/delivery/worker.ts';
import type { EmitContext } from '../../src/outbox/emit.ts';
import { newSealingKeyText, parseSealingKey } from '../../src/security/sealed-values.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createProgram } from '../../src/services/programs.ts';
import { createEndpoint } from '../../src/services/webhook-endpoints.ts';
import type { Db } from '../../src/storage/db.ts';
import type { BenchDb } from './bench-db.ts';
import type { ReceiverProcess } from './receiver-process.ts';

/** The SSRF guard lets loopback through, as in local development. */
export const allow = ['127.0.0.0/8'];

export interface Bench {
  db: Db;
  emitter: Db;
  receiver: ReceiverProcess;
  /** A worker with production defaults; every one made is stopped by stopWorkers(), even on failure. */
  newWorker(): DeliveryWorker;
  stopWorkers(): Promise<void>;
  /** A program with one endpoint on the receiver subscribed to the benchmark's event type. */
  newProgram(maxConcurrency: number): Promise<() => EmitContext>;
}

export function createBench({ db, emitter }: BenchDb, receiver: ReceiverProcess): Bench {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  // One key for this run: the API seals, the workers open.
  const sealKey = parseSealingKey(newSealingKeyText());
  const ctx: ServiceContext = { db: emitter, clock: systemClock, sandbox: true, sealKey };
  const workers: DeliveryWorker[] = [];
  let programs = 0;
  return {
    db,
    emitter,
    receiver,
    newWorker() {
      const worker = new DeliveryWorker({ db, clock: systemClock, sealKey, allow, logger });
      workers.push(worker);
      return worker;
    },
    async stopWorkers() {
      for (const worker of workers.splice(0)) await worker.stop();
    },
    async newProgram(maxConcurrency) {
      const program = await createProgram(ctx, { name: `Bench ${++programs}` });
      await createEndpoint(ctx, program.id, {
        url: `${receiver.url}/hooks/${programs}`,
        eventTypes: ['subscription_created'],
        maxConcurrency,
      });
      // The instance clock: the same system clock the worker reads.
      return () => {
        const now = systemClock.now();
        return { program: { id: program.id, name: program.name }, occurredAt: now, now, source: 'bench' };
      };
    },
  };
}
