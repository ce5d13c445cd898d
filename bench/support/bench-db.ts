import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openPglite } from '../../src/storage/pglite.ts';
import { openPostgres } from '../../src/storage/postgres.ts';

export interface BenchDb {
  /** The worker's database handle, opened as the application opens it (openPostgres, default pool). */
  db: Db;
  /**
   * The handle events are emitted through, standing for the API: on PostgreSQL a pool of its own
   * (an API process has its own), on PGlite the same in-process database.
   */
  emitter: Db;
  drop(): Promise<void>;
}

/**
 * With DATABASE_URL: a fresh database on that server, dropped by `drop`. Without: PGlite in
 * memory. Migrated either way.
 */
export async function openBenchDb(serverUrl: string | undefined): Promise<BenchDb> {
  if (!serverUrl) {
    const db = await openPglite();
    await migrate(db);
    return { db, emitter: db, drop: () => db.close() };
  }
  const name = `punchcard_bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString());
  // The load generator's pool: wide enough that it is not what limits the rate of commits.
  const emitter = openPostgres(url.toString(), { max: 20 });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await Promise.all([db.close().catch(() => {}), emitter.close().catch(() => {})]);
    await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  try {
    await migrate(db);
  } catch (error) {
    await drop();
    throw error;
  }
  return { db, emitter, drop };
}

async function withAdmin(serverUrl: string, work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}
