/**
 * `npm run bench:delivery`: how fast the engine turns committed events into signed, logged
 * webhook deliveries, next to the raw rate of the same HTTP client without the engine.
 *
 * - Receiver: a node:http server in a child process on loopback (bench/support/receiver.ts), so
 *   on a 2-core machine it does not share the engine's event loop.
 * - Throughput: N events are first emitted through emitEvent (500 per transaction, before any
 *   worker runs, so insert cost is not measured); then one DeliveryWorker with production defaults
 *   starts and the clock runs until every message has reached the receiver and its attempt is
 *   recorded in webhook_attempts.
 * - Baseline: the same bodies, posted by undici through the same guarded agent with as many
 *   requests in flight as the endpoint allows the worker, to the same receiver.
 * - Latency: a steady RATE events/s for SECONDS, each event in its own transaction as an API call
 *   would; commit-to-receipt runs from right after COMMIT returns to the receiver's full receipt
 *   of the request, both on the machine clock (performance.timeOrigin + performance.now()).
 *
 * PostgreSQL when DATABASE_URL is set (a fresh database on that server, dropped afterwards), else
 * PGlite in memory. Sizes: BENCH_EVENTS, BENCH_RATE, BENCH_SECONDS, BENCH_CONCURRENCY (the
 * endpoint's maxConcurrency). Every wait is bounded; the last line printed is one JSON object.
 */
import pino from 'pino';
import { systemClock } from '../src/clock/clock.ts';
import { DeliveryWorker } from '../src/delivery/worker.ts';
import type { EmitContext } from '../src/outbox/emit.ts';
import { createProgram } from '../src/services/programs.ts';
import { createEndpoint } from '../src/services/webhook-endpoints.ts';
import type { ServiceContext } from '../src/services/context.ts';
import type { Db } from '../src/storage/db.ts';
import { postRaw } from './support/baseline.ts';
import { openBenchDb } from './support/bench-db.ts';
import { emitSubscriptionCreated } from './support/events.ts';
import { startReceiverProcess, type ReceiverProcess } from './support/receiver-process.ts';
import { machineNow, percentile, round, until } from './support/stats.ts';

const events = Number(process.env.BENCH_EVENTS ?? 20_000);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const allow = ['127.0.0.0/8'];
const insertBatch = 500;
/** Emitting transactions open at once in the latency phase; the rest of the pool stays the worker's. */
const maxEmitters = 4;
const phaseTimeoutMs = 180_000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const logger = pino({ level: 'warn' }, pino.destination(2));

interface Setup {
  db: Db;
  receiver: ReceiverProcess;
  emitContext: () => EmitContext;
  /** A worker with production defaults; every one made is stopped at the end, even on failure. */
  newWorker: () => DeliveryWorker;
}

async function setUp(db: Db, receiver: ReceiverProcess, workers: DeliveryWorker[]): Promise<Setup> {
  const ctx: ServiceContext = { db, clock: systemClock, sandbox: true };
  const program = await createProgram(ctx, { name: 'Bench' });
  await createEndpoint(ctx, program.id, {
    url: `${receiver.url}/hooks`,
    eventTypes: ['subscription_created'],
    maxConcurrency: concurrency,
  });
  const emitContext = (): EmitContext => {
    const now = systemClock.now();
    return { program: { id: program.id, name: program.name }, occurredAt: now, now, source: 'bench' };
  };
  const newWorker = () => {
    const worker = new DeliveryWorker({ db, clock: systemClock, allow, logger });
    workers.push(worker);
    return worker;
  };
  return { db, receiver, emitContext, newWorker };
}

const countAttempts = async (db: Db) =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_attempts`))[0].n);

/** Emits `count` events up front, then times one worker delivering them all. */
async function throughput({ db, receiver, emitContext, newWorker }: Setup) {
  const insertStarted = performance.now();
  for (let from = 0; from < events; from += insertBatch) {
    await db.transaction(async (tx) => {
      const ctx = emitContext();
      for (let n = from; n < Math.min(events, from + insertBatch); n++) await emitSubscriptionCreated(tx, ctx, n);
    });
  }
  const insertMs = performance.now() - insertStarted;
  log(`inserted ${events} events in ${round(insertMs)} ms (${round((events / insertMs) * 1000)}/s, not part of the figures)`);

  const bodies = await db.query<{ id: string; body: string }>(`SELECT id, body FROM events ORDER BY sequence`);
  await postRaw(`${receiver.url}/warm-up`, bodies.slice(0, 2000), concurrency, allow);
  await receiver.collect();
  const rawMs = await postRaw(`${receiver.url}/raw`, bodies, concurrency, allow);
  await receiver.collect();
  const baselinePerSecond = (events / rawMs) * 1000;
  log(`baseline: ${events} raw posts in ${round(rawMs)} ms, ${round(baselinePerSecond)}/s with ${concurrency} in flight`);

  const worker = newWorker();
  const started = performance.now();
  worker.start();
  await receiver.waitFor(events, phaseTimeoutMs);
  await until(async () => (await countAttempts(db)) >= events, phaseTimeoutMs, 'attempts to be recorded');
  const engineMs = performance.now() - started;
  await worker.stop();

  const arrived = await receiver.collect();
  const [state] = await db.query<{ succeeded: string; attempts: string }>(
    `SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded, sum(attempts) AS attempts FROM webhook_messages`,
  );
  if (Number(state.succeeded) !== events || new Set(arrived.ids).size !== events) {
    throw new Error(`expected ${events} deliveries, got ${state.succeeded} succeeded and ${new Set(arrived.ids).size} distinct arrivals`);
  }
  const perSecond = (events / engineMs) * 1000;
  log(`engine:   ${events} signed, logged deliveries in ${round(engineMs)} ms, ${round(perSecond)}/s ` +
    `(${state.attempts} attempts, ${arrived.ids.length} arrivals)`);
  return { perSecond, baselinePerSecond };
}

/** A steady `rate` of one-event transactions for `seconds`; commit-to-receipt of each. */
async function latency({ db, receiver, emitContext, newWorker }: Setup) {
  const total = Math.round(rate * seconds);
  const already = await countAttempts(db);
  const worker = newWorker();
  worker.start();
  const committedAt = new Map<string, number>();
  let started = 0;
  let open = 0;
  let failed: unknown = null;
  const emitOne = (n: number) => {
    open++;
    db.transaction((tx) => emitSubscriptionCreated(tx, emitContext(), n)).then(
      (event) => committedAt.set(event.id, machineNow()),
      (error: unknown) => (failed = error),
    ).finally(() => open--);
  };
  const began = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - began) * rate) / 1000) + 1);
      while (started < due && open < maxEmitters) emitOne(started++);
      if (started < total || open > 0) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const emitMs = performance.now() - began;
  if (failed) throw failed;
  await receiver.waitFor(total, phaseTimeoutMs);
  await until(async () => (await countAttempts(db)) >= already + total, phaseTimeoutMs, 'attempts to be recorded');
  await worker.stop();

  const arrived = await receiver.collect();
  const delays: number[] = [];
  arrived.ids.forEach((id, i) => {
    const committed = committedAt.get(id);
    if (committed !== undefined) delays.push(arrived.times[i] - committed);
  });
  if (delays.length !== total) throw new Error(`matched ${delays.length} of ${total} deliveries to their commits`);
  delays.sort((a, b) => a - b);
  const result = {
    latencyRatePerSecond: (total / emitMs) * 1000,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
    maxMs: delays[delays.length - 1],
  };
  log(`latency:  ${total} events at ${round(result.latencyRatePerSecond)}/s, commit to receipt ` +
    `p50 ${round(result.p50Ms, 1)} ms, p99 ${round(result.p99Ms, 1)} ms, max ${round(result.maxMs, 1)} ms`);
  return result;
}

async function main() {
  const receiver = await startReceiverProcess();
  const { db, drop } = await openBenchDb(process.env.DATABASE_URL).catch((error: unknown) => {
    receiver.close();
    throw error;
  });
  const workers: DeliveryWorker[] = [];
  const stopOnSignal = () => void drop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    log(`delivery benchmark on ${db.engine}: ${events} events, endpoint maxConcurrency ${concurrency}, receiver in a child process`);
    const setup = await setUp(db, receiver, workers);
    const fast = await throughput(setup);
    const steady = await latency(setup);
    log(JSON.stringify({
      bench: 'delivery',
      engine: db.engine,
      events,
      concurrency,
      perSecond: round(fast.perSecond),
      baselinePerSecond: round(fast.baselinePerSecond),
      ratio: round(fast.perSecond / fast.baselinePerSecond, 3),
      p50Ms: round(steady.p50Ms, 1),
      p99Ms: round(steady.p99Ms, 1),
      maxMs: round(steady.maxMs, 1),
      latencyRatePerSecond: round(steady.latencyRatePerSecond),
    }));
  } finally {
    process.off('SIGINT', stopOnSignal);
    for (const worker of workers) await worker.stop();
    receiver.close();
    await drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:delivery failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
