/**
 * The ledger benchmark's HTTP clients, run as a child process so that they do not share the
 * server's event loop (a real client lives elsewhere; on a 2-core machine they still share the
 * cores with the server and PostgreSQL).
 *
 * Parent → child: { kind: 'run', spec } (reply { kind: 'done', result }), then more runs or a
 * disconnect. Each run: `concurrency` requests in flight through one undici Pool with keep-alive
 * (one connection per lane), each a completed credit or debit (autoComplete) for a random member,
 * until `maxRequests` were sent or `seconds` have passed, whichever comes first.
 */
import { Pool } from 'undici';
import { percentile } from './stats.ts';

export interface LoadSpec {
  origin: string;
  key: string;
  memberIds: string[];
  concurrency: number;
  maxRequests: number;
  seconds: number;
  /** Debits take 1..maxDebit units, credits 1..maxCredit. */
  maxDebit: number;
  maxCredit: number;
}

export interface LoadResult {
  count: number;
  elapsedMs: number;
  statuses: Record<string, number>;
  /** One body of each unexpected status, to say why. */
  samples: Record<string, string>;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Every request's latency in ms, sorted (the parent merges rounds). */
  latencies: number[];
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies = new Float64Array(spec.maxRequests);
  const statuses: Record<string, number> = {};
  const samples: Record<string, string> = {};
  const headers = { authorization: `Bearer ${spec.key}`, 'content-type': 'application/json' };
  let issued = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + spec.seconds * 1000;
  const lane = async () => {
    while (issued < spec.maxRequests && performance.now() < deadline) {
      issued++;
      const credit = Math.random() < 0.5;
      const body = JSON.stringify({
        memberId: spec.memberIds[Math.floor(Math.random() * spec.memberIds.length)],
        kind: credit ? 'credit' : 'debit',
        amount: 1 + Math.floor(Math.random() * (credit ? spec.maxCredit : spec.maxDebit)),
        autoComplete: true,
      });
      const t0 = performance.now();
      const response = await pool.request({ origin: spec.origin, path: '/v1/ledger/transactions', method: 'POST', headers, body });
      const text = await response.body.text();
      latencies[done++] = performance.now() - t0;
      const status = String(response.statusCode);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (response.statusCode !== 201 && !(status in samples)) samples[status] = text.slice(0, 500);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  const elapsedMs = performance.now() - started;
  await pool.close();
  const sorted = latencies.subarray(0, done).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: done, elapsedMs, statuses, samples,
    p50Ms: percentile(sorted, 50), p90Ms: percentile(sorted, 90), p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? NaN, meanMs: sum / Math.max(1, done), latencies: Array.from(sorted),
  };
}

process.on('message', (message: { kind: string; spec?: LoadSpec }) => {
  if (message.kind !== 'run' || !message.spec) return;
  run(message.spec).then(
    (result) => process.send?.({ kind: 'done', result }),
    (error: unknown) => process.send?.({ kind: 'failed', error: error instanceof Error ? error.stack : String(error) }),
  );
});
// The parent going away (even killed) ends the clients too.
process.on('disconnect', () => process.exit(0));
process.send?.({ kind: 'ready' });
