/**
 * Reward code pools: the time to upload 1,000,000 codes to one reward through the HTTP API
 * (`POST /v1/rewards/{id}/codes`, text/plain, one code per line: parsed, checked, inserted in
 * batches in one transaction, duplicates skipped), and beside it in the same run the time the same
 * server takes to insert the same codes into a bare table with the same unique key, in the same
 * batches and one transaction (the plain-insert baseline). Prints the figures and ends with one
 * line of JSON.
 *
 *   npm run bench:codes                       (PGlite in memory)
 *   DATABASE_URL=postgres://… npm run bench:codes
 *   CODES=200000 npm run bench:codes          (fewer codes)
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { systemClock } from '../src/clock/clock.ts';
import { buildApp } from '../src/http/app.ts';
import { registerJobHandlers } from '../src/scheduler/handlers.ts';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { createAdminKey } from '../src/services/api-keys.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { newSealingKeyText, parseSealingKey } from '../src/security/sealed-values.ts';
import type { Db } from '../src/storage/db.ts';
import { openBenchDb } from './support/bench-db.ts';

const serverUrl = process.env.DATABASE_URL;
const codeCount = Number(process.env.CODES ?? 1_000_000);
const batch = 20_000; // the service's batch size (src/services/rewards/code-pool.ts)
const log = (line: string) => process.stdout.write(`${line}\n`);
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

/** Distinct codes shaped like real ones: 12 characters of A–Z and 0–9. */
function makeCodes(n: number): string[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const codes = new Set<string>();
  while (codes.size < n) {
    const bytes = randomBytes(12);
    let code = '';
    for (const b of bytes) code += alphabet[b % alphabet.length];
    codes.add(code);
  }
  return [...codes];
}

async function call(origin: string, key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(origin + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(typeof body === 'string' ? { 'content-type': 'text/plain' } : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** The same codes into a bare table with the same unique key, same batches, one transaction. */
async function baseline(db: Db, programId: string, codes: string[]): Promise<number> {
  await db.exec(`CREATE TABLE bench_codes (program_id uuid NOT NULL, code text NOT NULL, PRIMARY KEY (program_id, code))`);
  const started = performance.now();
  await db.transaction(async (tx) => {
    for (let i = 0; i < codes.length; i += batch) {
      await tx.query(`INSERT INTO bench_codes (program_id, code) SELECT $1, c FROM unnest($2::text[]) AS u(c) ON CONFLICT DO NOTHING`,
        [programId, codes.slice(i, i + batch)]);
    }
  });
  return (performance.now() - started) / 1000;
}

async function main() {
  const { db, drop } = await openBenchDb(serverUrl);
  try {
    log(`reward code upload on ${db.engine === 'postgres' ? 'PostgreSQL (fresh database)' : 'PGlite (in memory)'}, ` +
      `${codeCount.toLocaleString('en')} codes, API and database sharing ${availableParallelism()} cores`);
    const ctx: ServiceContext = { db, clock: systemClock, sandbox: false, sealKey: parseSealingKey(newSealingKeyText()) };
    const scheduler = new Scheduler({ db, clock: systemClock });
    registerJobHandlers(scheduler, ctx);
    const app = await buildApp({ ctx, scheduler });
    try {
      const origin = await app.listen({ host: '127.0.0.1', port: 0 });
      const adminKey = (await createAdminKey(ctx, 'bench')).key;
      const program = await call(origin, adminKey, 'POST', '/v1/programs', { name: 'Codes bench' });
      const { key } = await call(origin, adminKey, 'POST', `/v1/programs/${program.id}/keys`, { name: 'bench' });
      const reward = await call(origin, key, 'POST', '/v1/rewards', { name: 'Voucher', type: 'static_coupon', couponValue: 500, codeSource: 'pool' });
      const codes = makeCodes(codeCount);
      const body = codes.join('\n');

      const started = performance.now();
      const result = await call(origin, key, 'POST', `/v1/rewards/${reward.id}/codes`, body);
      const seconds = (performance.now() - started) / 1000;
      if (result.added !== codeCount || result.codes.free !== codeCount) throw new Error(`expected ${codeCount} codes added, got ${JSON.stringify(result)}`);
      log(`API:      ${codeCount.toLocaleString('en')} codes uploaded in ${round(seconds, 1)} s (${round(codeCount / seconds)} codes/s), ${round(body.length / 1e6, 1)} MB body`);

      const baselineSeconds = await baseline(db, program.id, codes);
      log(`baseline: the same codes into a bare table (same unique key, same batches, one transaction) in ${round(baselineSeconds, 1)} s`);
      const ratio = baselineSeconds / seconds;
      log(`ratio:    baseline time / API time = ${round(ratio, 2)}`);
      log(JSON.stringify({
        bench: 'reward-codes', engine: db.engine, codes: codeCount,
        seconds: round(seconds, 1), codesPerSecond: round(codeCount / seconds),
        baselineSeconds: round(baselineSeconds, 1), baselineCodesPerSecond: round(codeCount / baselineSeconds),
        ratio: round(ratio, 2),
      }));
    } finally {
      await app.close();
    }
  } finally {
    await drop();
  }
}

await main();
