import type { EmitContext } from '../../src/outbox/emit.ts';
import { emitSubscriptionCreated } from './events.ts';
import type { Bench } from './setup.ts';
import { countAttempts } from './throughput.ts';
import { machineNow, percentile, round, until } from './stats.ts';
import { cpuPerItem, sampleCpu, type CpuSample } from './cpu.ts';

/** Cores used on average over `ms`. */
function cpuShare(before: CpuSample, after: CpuSample, ms: number) {
  const used = cpuPerItem(before, after, 1);
  return { self: round(used.selfMs / ms, 2), postgres: used.postgresMs === null ? null : round(used.postgresMs / ms, 2) };
}

/** Emitting transactions open at once (the emitter's pool has 20 connections). */
const maxEmitters = 16;

export interface LatencyResult {
  ratePerSecond: number;
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * A steady `rate` of events for `seconds`, each in its own transaction as an API call would
 * commit it, spread round-robin over `programs` programs (each has one endpoint: a program's
 * events are serialised by its sequence lock, so one program commits only so many per second).
 * Commit-to-receipt of every event: from right after its COMMIT returns to its full receipt.
 */
export async function latency(
  bench: Bench,
  options: { rate: number; seconds: number; programs: number; concurrency: number; timeoutMs: number },
  log: (line: string) => void,
): Promise<LatencyResult> {
  const { emitter, receiver } = bench;
  const total = Math.round(options.rate * options.seconds);
  const contexts: (() => EmitContext)[] = [];
  for (let p = 0; p < options.programs; p++) contexts.push(await bench.newProgram(options.concurrency));
  const already = await countAttempts(bench.db);
  bench.newWorker().start();

  const committedAt = new Map<string, number>();
  let started = 0;
  let open = 0;
  let failed: unknown = null;
  const emitOne = (n: number) => {
    open++;
    emitter.transaction((tx) => emitSubscriptionCreated(tx, contexts[n % contexts.length](), n)).then(
      (event) => committedAt.set(event.id, machineNow()),
      (error: unknown) => (failed ??= error),
    ).finally(() => open--);
  };
  const cpuBefore = await sampleCpu(bench.db);
  const began = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - began) * options.rate) / 1000) + 1);
      while (started < due && open < maxEmitters && !failed) emitOne(started++);
      if ((started < total && !failed) || open > 0) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const emitMs = performance.now() - began;
  const cpu = cpuShare(cpuBefore, await sampleCpu(bench.db), emitMs);
  if (failed) throw failed;
  await receiver.waitFor(total, options.timeoutMs);
  await until(async () => (await countAttempts(bench.db)) >= already + total, options.timeoutMs, 'attempts to be recorded');
  await bench.stopWorkers();

  const arrived = await receiver.collect();
  const delays: number[] = [];
  arrived.ids.forEach((id, i) => {
    const committed = committedAt.get(id);
    if (committed !== undefined) delays.push(arrived.times[i] - committed);
  });
  if (delays.length !== total) throw new Error(`matched ${delays.length} of ${total} deliveries to their commits`);
  delays.sort((a, b) => a - b);
  const result = {
    ratePerSecond: (total / emitMs) * 1000,
    events: total,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
    maxMs: delays[delays.length - 1],
  };
  log(`latency:  ${total} events over ${options.programs} program(s) at ${round(result.ratePerSecond)}/s, commit to receipt ` +
    `p50 ${round(result.p50Ms, 1)} ms, p99 ${round(result.p99Ms, 1)} ms, max ${round(result.maxMs, 1)} ms; ` +
    `CPU while emitting: this process (emitter and worker) ${cpu.self} cores, PostgreSQL ${cpu.postgres ?? 'n/a'} cores`);
  return result;
}
