/**
 * `npm run bench:delivery`: how fast the engine turns committed events into signed, logged
 * webhook deliveries, next to the raw rate of the same HTTP client without the engine.
 *
 * - Receiver: a node:http server in a child process on loopback (support/receiver.ts), so that on
 *   a 2-core machine it does not share the engine's event loop; a real receiver lives elsewhere.
 * - Throughput: N events are first emitted through emitEvent (50 per transaction) before any
 *   worker runs, so insert cost is not timed; then one DeliveryWorker with production defaults
 *   starts, and the clock runs until every message has reached the receiver and its attempt is
 *   recorded in webhook_attempts.
 * - Baseline, same run: the same bodies posted by undici through the same guarded agent (the
 *   worker's settings) with as many requests in flight as the endpoint allows the worker.
 * - Latency: a steady RATE events/s for SECONDS, each event committed in its own transaction as an
 *   API call would, from a pool of its own (the API's), round-robin over BENCH_PROGRAMS programs
 *   with an endpoint each; a fresh worker delivers them. Commit-to-receipt runs from right after
 *   COMMIT returns to the receiver's full receipt of the request, both on the machine clock
 *   (performance.timeOrigin + performance.now()), in two processes of one machine.
 *
 * PostgreSQL when DATABASE_URL is set (a fresh database on that server, dropped afterwards), else
 * PGlite in memory. Sizes: BENCH_EVENTS, BENCH_RATE, BENCH_SECONDS, BENCH_PROGRAMS (latency phase),
 * BENCH_CONCURRENCY (the endpoints' maxConcurrency). Every wait is bounded; the last line printed
 * is one JSON object.
 */
import { loadavg } from 'node:os';
import { openBenchDb } from './support/bench-db.ts';
import { latency } from './support/latency.ts';
import { startReceiverProcess } from './support/receiver-process.ts';
import { createBench } from './support/setup.ts';
import { round } from './support/stats.ts';
import { throughput } from './support/throughput.ts';

const events = Number(process.env.BENCH_EVENTS ?? 20_000);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
/**
 * A program's events are serialised by its sequence lock, held through COMMIT (and its WAL flush):
 * one program alone commits only a few hundred one-event transactions a second on a small machine,
 * so the steady load is spread over several programs, as on an instance with several tenants.
 */
const programs = Number(process.env.BENCH_PROGRAMS ?? 8);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const phaseTimeoutMs = 180_000;

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const receiver = await startReceiverProcess();
  const benchDb = await openBenchDb(process.env.DATABASE_URL).catch((error: unknown) => {
    receiver.close();
    throw error;
  });
  const bench = createBench(benchDb, receiver);
  const stopOnSignal = () => void benchDb.drop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    // Other work on the machine moves every figure; the load average says how much there was.
    const load = loadavg()[0];
    log(`delivery benchmark on ${bench.db.engine}: ${events} events, endpoint maxConcurrency ${concurrency}, ` +
      `receiver in a child process, load average ${round(load, 2)} on this machine`);
    const fast = await throughput(bench, events, concurrency, phaseTimeoutMs, log);
    const steady = await latency(bench, { rate, seconds, programs, concurrency, timeoutMs: phaseTimeoutMs }, log);
    log(JSON.stringify({
      bench: 'delivery',
      engine: bench.db.engine,
      events,
      concurrency,
      perSecond: round(fast.perSecond),
      baselinePerSecond: round(fast.baselinePerSecond),
      ratio: round(fast.perSecond / fast.baselinePerSecond, 3),
      workerCpuMsPerDelivery: fast.workerCpuMs,
      postgresCpuMsPerDelivery: fast.postgresCpuMs,
      p50Ms: round(steady.p50Ms, 1),
      p99Ms: round(steady.p99Ms, 1),
      maxMs: round(steady.maxMs, 1),
      latencyRatePerSecond: round(steady.ratePerSecond),
      latencyEvents: steady.events,
      latencyPrograms: programs,
      loadAverage: round(load, 2),
    }));
  } finally {
    process.off('SIGINT', stopOnSignal);
    await bench.stopWorkers();
    receiver.close();
    await benchDb.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:delivery failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
