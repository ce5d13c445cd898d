import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openPglite } from '../../src/storage/pglite.ts';
import { openPostgres } from '../../src/storage/postgres.ts';

export interface LedgerBenchDb {
  db: Db;
  /** The database's name on the server (null on PGlite). */
  name: string | null;
  drop(): Promise<void>;
}

/**
 * With `serverUrl`: a fresh database on that server, opened as the runtime opens it (openPostgres
 * with its default pool), migrated, dropped by `drop` (even when migrating fails). Without: PGlite
 * in memory, migrated.
 */
export async function openLedgerBenchDb(serverUrl: string | undefined): Promise<LedgerBenchDb> {
  if (!serverUrl) {
    const db = await openPglite();
    await migrate(db);
    return { db, name: null, drop: () => db.close() };
  }
  const name = `punchcard_bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString());
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await db.close().catch(() => {});
    await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  try {
    await migrate(db);
  } catch (error) {
    await drop();
    throw error;
  }
  return { db, name, drop };
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
