/**
 * Where the ledger benchmark's time goes, measured from outside the code under test:
 * - `profiledDb`: wraps a Db and times every statement as the application sees it (client-side
 *   round trip, including waits for row locks), grouped by statement shape; also times each
 *   transaction's parts (pool wait + BEGIN, the work, COMMIT) and how long a transaction holds
 *   the program's event-sequence row lock (from its first `UPDATE event_sequences SET last_sequence`
 *   returning to its COMMIT returning).
 * - `sampleActivity`: samples pg_stat_activity of the benchmark database (what each backend is
 *   doing or waiting on), every few milliseconds, from a connection of its own.
 * - `cpuSnapshot`: CPU seconds of this process, of given child processes and of every
 *   `postgres` process on the machine, and of the whole machine (Linux /proc).
 */
import { readFileSync, readdirSync } from 'node:fs';
import pg from 'pg';
import type { Db, Queryable } from '../../src/storage/db.ts';

interface StatementStats {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface DbProfile {
  statements: Map<string, StatementStats>;
  transactions: number;
  /** Pool wait + BEGIN, the work inside, COMMIT (+ release), summed over transactions. */
  beginMs: number;
  workMs: number;
  commitMs: number;
  /** Sum over transactions of the time they held the program's sequence row lock. */
  sequenceLockHeldMs: number;
  /** Sum over transactions of the time their first sequence UPDATE took (mostly waiting for that lock). */
  sequenceLockWaitMs: number;
  reset(): void;
}

const shapeOf = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 110);
const isSequenceUpdate = (sql: string) => sql.startsWith('UPDATE event_sequences SET last_sequence');

export function profiledDb(db: Db): { db: Db; profile: DbProfile } {
  const profile: DbProfile = {
    statements: new Map(),
    transactions: 0, beginMs: 0, workMs: 0, commitMs: 0, sequenceLockHeldMs: 0, sequenceLockWaitMs: 0,
    reset() {
      this.statements.clear();
      this.transactions = 0;
      this.beginMs = this.workMs = this.commitMs = this.sequenceLockHeldMs = this.sequenceLockWaitMs = 0;
    },
  };
  const record = (sql: string, ms: number) => {
    const key = shapeOf(sql);
    const stats = profile.statements.get(key);
    if (stats) {
      stats.count++;
      stats.totalMs += ms;
      if (ms > stats.maxMs) stats.maxMs = ms;
    } else profile.statements.set(key, { count: 1, totalMs: ms, maxMs: ms });
  };
  const wrap = (q: Queryable, onSequence?: (startedAt: number, endedAt: number) => void): Queryable => ({
    async query(sql, params) {
      const started = performance.now();
      try {
        return await q.query(sql, params);
      } finally {
        const ended = performance.now();
        record(sql, ended - started);
        if (onSequence && isSequenceUpdate(sql)) onSequence(started, ended);
      }
    },
    exec: (sql) => q.exec(sql),
  });
  const wrapped: Db = {
    engine: db.engine,
    ...wrap(db),
    async transaction(work, options) {
      const called = performance.now();
      let workStarted = 0;
      let workEnded = 0;
      let lockedAt = 0;
      const result = await db.transaction(async (tx) => {
        workStarted = performance.now();
        try {
          return await work(wrap(tx, (started, ended) => {
            if (lockedAt === 0) {
              lockedAt = ended;
              profile.sequenceLockWaitMs += ended - started;
            }
          }));
        } finally {
          workEnded = performance.now();
        }
      }, options);
      const committed = performance.now();
      profile.transactions++;
      profile.beginMs += workStarted - called;
      profile.workMs += workEnded - workStarted;
      profile.commitMs += committed - workEnded;
      if (lockedAt > 0) profile.sequenceLockHeldMs += committed - lockedAt;
      return result;
    },
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
  return { db: wrapped, profile };
}

/** The statements that took the most time, as lines to print; `per` divides counts (e.g. per API request). */
export function statementReport(profile: DbProfile, per: number, perLabel: string, top = 14): string[] {
  const rows = [...profile.statements.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
  const total = rows.reduce((sum, [, s]) => sum + s.totalMs, 0);
  const count = rows.reduce((sum, [, s]) => sum + s.count, 0);
  const lines = [
    `  ${count} statements (${(count / per).toFixed(2)} per ${perLabel}), ${(total / 1000).toFixed(1)} s of statement round trips summed over connections`,
    `  ${'per ' + perLabel} ${'mean ms'.padStart(8)} ${'share'.padStart(6)}  statement`,
  ];
  for (const [sql, s] of rows.slice(0, top)) {
    lines.push(`  ${(s.count / per).toFixed(3).padStart(7)}${' '.repeat(Math.max(1, perLabel.length - 2))} ${(s.totalMs / s.count).toFixed(3).padStart(8)} ` +
      `${((100 * s.totalMs) / total).toFixed(1).padStart(5)}%  ${sql}`);
  }
  return lines;
}

export interface ActivitySampler {
  stop(): Promise<{ samples: number; states: [string, number][] }>;
}

/**
 * Every `everyMs`, what each backend of database `dbName` (other than the sampler) is doing:
 * `active` on CPU (or an unnamed wait), `Lock:transactionid` waiting for a row lock, `IO:WALSync`
 * flushing a commit, `Client:ClientRead` idle waiting for the application, and so on.
 */
export async function sampleActivity(serverUrl: string, dbName: string, everyMs = 10): Promise<ActivitySampler> {
  const client = new pg.Client({ connectionString: serverUrl });
  client.on('error', () => {});
  await client.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = (await client.query<{ state: string | null; wait: string | null }>(
        `SELECT state, wait_event_type || ':' || wait_event AS wait FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`, [dbName])).rows;
      samples++;
      for (const row of rows) {
        const key = `${row.state ?? '?'} ${row.wait ?? '(on CPU)'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => {});
      await client.end().catch(() => {});
      return { samples, states: [...counts.entries()].sort((a, b) => b[1] - a[1]) };
    },
  };
}

export interface CpuSnapshot {
  at: number;
  self: number;
  children: number;
  /** CPU seconds of every `postgres` process, by pid. */
  postgres: Map<number, number>;
  machineBusy: number;
  machineTotal: number;
  loadAverage: number;
}

const ticks = 100; // USER_HZ on Linux

function processSeconds(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks; // utime, stime
}

/** CPU seconds used so far; null where /proc is not available. */
export function cpuSnapshot(childPids: number[]): CpuSnapshot | null {
  try {
    const postgres = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') postgres.set(Number(entry), processSeconds(entry));
      } catch {
        // a process that ended meanwhile
      }
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
    const idle = cpu[3] + cpu[4];
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    return {
      at: performance.now(),
      self: processSeconds('self'),
      children: childPids.reduce((sum, pid) => sum + processSeconds(pid), 0),
      postgres,
      machineBusy: (total - idle) / ticks,
      machineTotal: total / ticks,
      loadAverage: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
    };
  } catch {
    return null;
  }
}

/**
 * Cores used by each party between two snapshots: this process, the child processes, the
 * benchmark database's backends (`ours`: their pids), every other postgres process (other
 * databases' backends, WAL writer, checkpointer...), and everything else on the machine.
 */
export function cpuReport(from: CpuSnapshot | null, to: CpuSnapshot | null, childLabel: string, ours: readonly number[] = []): string {
  if (!from || !to) return 'CPU: not measured (no /proc)';
  const seconds = (to.at - from.at) / 1000;
  const delta = (pids: Iterable<number>) => {
    let sum = 0;
    for (const pid of pids) sum += (to.postgres.get(pid) ?? 0) - (from.postgres.get(pid) ?? 0);
    return sum;
  };
  const mine = new Set(ours);
  const backends = delta(mine);
  const otherPostgres = delta([...to.postgres.keys()].filter((pid) => !mine.has(pid)));
  const own = to.self - from.self + to.children - from.children;
  const busy = to.machineBusy - from.machineBusy;
  const cores = (value: number) => (value / seconds).toFixed(2);
  return `CPU (cores busy on average): server process ${cores(to.self - from.self)}, ${childLabel} ${cores(to.children - from.children)}, ` +
    `${mine.size > 0 ? `its PostgreSQL backends ${cores(backends)}, other postgres processes ${cores(otherPostgres)}` : `postgres ${cores(backends + otherPostgres)}`}, ` +
    `everything else ${cores(Math.max(0, busy - own - backends - otherPostgres))}; whole machine ${cores(busy)} of ` +
    `${((to.machineTotal - from.machineTotal) / seconds).toFixed(1)} (load average ${from.loadAverage} → ${to.loadAverage})`;
}

/** CPU milliseconds per unit of work (a transaction, a balance) spent by this process and by the benchmark database's backends. */
export function cpuPerUnit(from: CpuSnapshot | null, to: CpuSnapshot | null, units: number, unit: string, ours: readonly number[] = []): string {
  if (!from || !to || units === 0) return '';
  let backends = 0;
  for (const pid of ours) backends += (to.postgres.get(pid) ?? 0) - (from.postgres.get(pid) ?? 0);
  const ms = (seconds: number) => ((seconds * 1000) / units).toFixed(2);
  return `CPU per ${unit}: server process ${ms(to.self - from.self)} ms` +
    `${ours.length > 0 ? `, its PostgreSQL backends ${ms(backends)} ms` : ''}`;
}

export interface DbCounters {
  programsBytes: number;
  programsUpdates: number;
  programsHotUpdates: number;
  programsDead: number;
  multixactPagesZeroed: number;
}

/** A few server counters behind the hot `programs` row: its updates and size, and multixact pages created (cluster-wide). */
export async function dbCounters(db: Db): Promise<DbCounters | null> {
  if (db.engine !== 'postgres') return null;
  const [row] = await db.query<DbCounters>(
    `SELECT pg_relation_size('programs')::bigint AS "programsBytes",
            (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'programs')::bigint AS "programsUpdates",
            (SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'programs')::bigint AS "programsHotUpdates",
            (SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'programs')::bigint AS "programsDead",
            (SELECT coalesce(sum(blks_zeroed), 0) FROM pg_stat_slru WHERE name LIKE 'Multi%')::bigint AS "multixactPagesZeroed"`);
  return row;
}

export function countersReport(from: DbCounters | null, to: DbCounters | null, units: number, unit: string): string {
  if (!from || !to) return '';
  return `programs table: ${to.programsBytes} bytes (was ${from.programsBytes}), ${to.programsUpdates - from.programsUpdates} row updates ` +
    `(${to.programsHotUpdates - from.programsHotUpdates} HOT, ${((to.programsUpdates - from.programsUpdates) / Math.max(1, units)).toFixed(2)} per ${unit}), ` +
    `${to.programsDead} dead versions now (statistics lag ~0.5 s); multixact SLRU pages created: ${to.multixactPagesZeroed - from.multixactPagesZeroed} (cluster-wide)`;
}
