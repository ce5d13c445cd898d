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
  // The load generator's pool: wide enough that it is not what limits the rate of commits.
  const { handles: [db, emitter], drop } = await freshServerDb(serverUrl, (url) => [openPostgres(url), openPostgres(url, { max: 20 })]);
  return { db, emitter, drop };
}

export interface LedgerBenchDb {
  db: Db;
  /** The database's name on the server (null on PGlite). */
  name: string | null;
  drop(): Promise<void>;
}

/**
 * With `serverUrl`: a fresh database on that server, opened as the runtime opens it (openPostgres
 * with its default pool), migrated, dropped by `drop`. Without: PGlite in memory, migrated.
 */
export async function openLedgerBenchDb(serverUrl: string | undefined): Promise<LedgerBenchDb> {
  if (!serverUrl) {
    const db = await openPglite();
    await migrate(db);
    return { db, name: null, drop: () => db.close() };
  }
  const { name, handles: [db], drop } = await freshServerDb(serverUrl, (url) => [openPostgres(url)]);
  return { db, name, drop };
}

/**
 * A fresh database on the server with the handles `open` makes on it, migrated through the first;
 * `drop` closes them and drops the database (also done when migrating fails).
 */
async function freshServerDb(serverUrl: string, open: (url: string) => Db[]) {
  const name = `punchcard_bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handles = open(url.toString());
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await Promise.all(handles.map((h) => h.close().catch(() => {})));
    await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  try {
    await migrate(handles[0]);
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, handles, drop };
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
