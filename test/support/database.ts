import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import type { Db } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openPglite } from '../../src/storage/pglite.ts';
import { openPostgres } from '../../src/storage/postgres.ts';
import { createFreshDatabase } from './fresh-database.ts';

/**
 * A database of the test file's own: PGlite in memory by default; with DATABASE_URL, a fresh
 * database on that PostgreSQL server, dropped afterwards. Migrated either way (PGlite ones are
 * copies of the template test/support/global-setup.ts migrated once for the run).
 */
export async function openTestDb(): Promise<{ db: Db; url: string | undefined; drop: () => Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const template = await migratedTemplate();
    const db = await openPglite(undefined, template);
    if (!template) await migrate(db);
    return { db, url: undefined, drop: () => db.close() };
  }
  const { url, drop } = await createFreshDatabase(serverUrl, 'punchcard_test');
  const db = openPostgres(url, { max: 20 });
  await migrate(db);
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      await drop();
    },
  };
}

let template: Promise<Blob> | undefined;

async function migratedTemplate(): Promise<Blob | undefined> {
  const file = inject('pgliteTemplate');
  if (!file) return undefined;
  template ??= readFile(file).then((bytes) => new Blob([bytes]));
  return template;
}
