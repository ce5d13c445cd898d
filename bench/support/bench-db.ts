import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openPglite } from '../../src/storage/pglite.ts';
import { openPostgres } from '../../src/storage/postgres.ts';

/**
 * With DATABASE_URL: a fresh database on that server, opened as the application opens it
 * (openPostgres, default pool), dropped by `drop`. Without: PGlite in memory. Migrated either way.
 */
export async function openBenchDb(serverUrl: string | undefined): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (!serverUrl) {
    const db = await openPglite();
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const name = `punchcard_bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString());
  let dropped = false;
  return {
    db: await migrate(db).then(() => db),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await db.close().catch(() => {});
      await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
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
