import type { Db } from '../../src/storage/db.ts';
import { postRaw } from './baseline.ts';
import { cpuPerItem, sampleCpu } from './cpu.ts';
import { emitSubscriptionCreated } from './events.ts';
import { allow, type Bench } from './setup.ts';
import { round, until } from './stats.ts';

/** Small transactions: one program row updated hundreds of times in one transaction gets slow. */
const insertBatch = 50;

export interface ThroughputResult {
  perSecond: number;
  baselinePerSecond: number;
  /** CPU ms per delivery of the worker's process and of PostgreSQL's backends (null: not measurable). */
  workerCpuMs: number;
  postgresCpuMs: number | null;
}

export const countAttempts = async (db: Db) =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_attempts`))[0].n);

/**
 * Emits `events` events up front (not timed), posts their bodies raw for the baseline, then times
 * one worker delivering them all: from its start until the last attempt is recorded.
 */
export async function throughput(bench: Bench, events: number, concurrency: number, timeoutMs: number, log: (line: string) => void): Promise<ThroughputResult> {
  const { db, emitter, receiver } = bench;
  const emitContext = await bench.newProgram(concurrency);
  const insertCpu = await sampleCpu(db);
  const insertStarted = performance.now();
  for (let from = 0; from < events; from += insertBatch) {
    await emitter.transaction(async (tx) => {
      const ctx = emitContext();
      for (let n = from; n < Math.min(events, from + insertBatch); n++) await emitSubscriptionCreated(tx, ctx, n);
    });
  }
  const insertMs = performance.now() - insertStarted;
  const insertCost = cpuPerItem(insertCpu, await sampleCpu(db), events);
  log(`inserted ${events} events in ${round(insertMs)} ms (${round((events / insertMs) * 1000)}/s, not timed); ` +
    `CPU per event: emitter ${insertCost.selfMs} ms, PostgreSQL ${insertCost.postgresMs ?? 'n/a'} ms`);

  // The baseline: same client, agent settings, bodies, receiver and concurrency; no engine.
  const bodies = await db.query<{ id: string; body: string }>(`SELECT id, body FROM events ORDER BY sequence`);
  await postRaw(`${receiver.url}/warm-up`, bodies.slice(0, 2000), concurrency, allow);
  const warm = await receiver.collect();
  const rawCpu = await sampleCpu(db);
  const rawMs = await postRaw(`${receiver.url}/raw`, bodies, concurrency, allow);
  const raw = await receiver.collect();
  const rawCost = cpuPerItem(rawCpu, await sampleCpu(db), events);
  const baselinePerSecond = (events / rawMs) * 1000;
  const bodyBytes = bodies.reduce((sum, b) => sum + Buffer.byteLength(b.body), 0) / bodies.length;
  log(`baseline: ${events} raw posts of ${round(bodyBytes)} bytes in ${round(rawMs)} ms, ${round(baselinePerSecond)}/s, ` +
    `${concurrency} in flight; ` +
    `CPU per post: client ${rawCost.selfMs} ms, receiver ${round((raw.cpuMs - warm.cpuMs) / events, 3)} ms`);

  const worker = bench.newWorker();
  const engineCpu = await sampleCpu(db);
  const started = performance.now();
  worker.start();
  await receiver.waitFor(events, timeoutMs);
  await until(async () => (await countAttempts(db)) >= events, timeoutMs, 'attempts to be recorded');
  const engineMs = performance.now() - started;
  const engineCost = cpuPerItem(engineCpu, await sampleCpu(db), events);
  await bench.stopWorkers();

  const arrived = await receiver.collect();
  const [state] = await db.query<{ succeeded: string; attempts: string }>(
    `SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded, sum(attempts) AS attempts FROM webhook_messages`,
  );
  const distinct = new Set(arrived.ids).size;
  if (Number(state.succeeded) !== events || Number(state.attempts) !== events || distinct !== events) {
    throw new Error(`expected ${events} deliveries, got ${state.succeeded} succeeded messages, ${state.attempts} attempts, ${distinct} distinct arrivals`);
  }
  const perSecond = (events / engineMs) * 1000;
  log(`engine:   ${events} signed, logged deliveries in ${round(engineMs)} ms, ${round(perSecond)}/s; ` +
    `CPU per delivery: worker ${engineCost.selfMs} ms, PostgreSQL ${engineCost.postgresMs ?? 'n/a'} ms, ` +
    `receiver ${round((arrived.cpuMs - raw.cpuMs) / events, 3)} ms`);
  return { perSecond, baselinePerSecond, workerCpuMs: engineCost.selfMs, postgresCpuMs: engineCost.postgresMs };
}
