import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations are append-only files `NNNN_name.sql`; the number orders them. */
export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(migrationsDir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: await readFile(migrationsDir + file, 'utf8'),
    })),
  );
}

/** Applies every pending migration, each in its own transaction. Returns the versions applied. */
export async function migrate(db: Db): Promise<number[]> {
  // Under the lock too: two CREATE TABLE IF NOT EXISTS racing on a fresh database collide.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7212001)');
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const applied: number[] = [];
  for (const migration of await loadMigrations()) {
    const done = await db.transaction(async (tx) => {
      // Several processes may start at once against one server: one applies, the others wait.
      await tx.query('SELECT pg_advisory_xact_lock(7212001)');
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (seen.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

export async function pendingMigrations(db: Db): Promise<Migration[]> {
  const rows = await db.query<{ version: number }>(
    `SELECT version FROM schema_migrations`,
  ).catch(() => [] as { version: number }[]);
  const done = new Set(rows.map((r) => r.version));
  return (await loadMigrations()).filter((m) => !done.has(m.version));
}
