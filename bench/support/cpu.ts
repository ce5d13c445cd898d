import { readFile } from 'node:fs/promises';
import type { Db } from '../../src/storage/db.ts';

/**
 * CPU time spent, in ms: this process, and the PostgreSQL backends serving the benchmark's
 * database (read from /proc, so Linux only; null elsewhere or on PGlite, which runs in this
 * process). Wall-clock rates depend on what else the machine runs; CPU per delivery much less.
 */
export interface CpuSample {
  self: number;
  /** Per backend pid; a backend that started in between counts from zero. */
  postgres: Map<number, number> | null;
}

const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux

export async function sampleCpu(db: Db): Promise<CpuSample> {
  const usage = process.cpuUsage();
  return { self: (usage.user + usage.system) / 1000, postgres: db.engine === 'postgres' ? await backendsCpu(db) : null };
}

async function backendsCpu(db: Db): Promise<Map<number, number> | null> {
  const rows = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / ticksPerMs);
    } catch {
      return null; // not Linux, or the server is on another machine
    }
  }
  return cpu;
}

/** CPU ms per item between two samples (PostgreSQL: null when it could not be read). */
export function cpuPerItem(before: CpuSample, after: CpuSample, items: number) {
  let postgres: number | null = null;
  if (before.postgres && after.postgres) {
    postgres = 0;
    for (const [pid, ms] of after.postgres) postgres += ms - (before.postgres.get(pid) ?? 0);
  }
  const per = (ms: number) => Math.round((ms / items) * 1000) / 1000;
  return { selfMs: per(after.self - before.self), postgresMs: postgres === null ? null : per(postgres) };
}
