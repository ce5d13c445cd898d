import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/storage/migrate.ts';
import { createPglite, pgliteDb } from '../../src/storage/pglite.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite data directory (dumpDataDir, uncompressed) every test file starts from. */
    pgliteTemplate: string | null;
  }
}

/**
 * Creating a PGlite cluster (initdb in WASM) costs seconds; loading a dumped one costs a
 * fraction. So the suite migrates one PGlite database once, and every file's database is a copy
 * of it. On PostgreSQL each file still gets a fresh database, migrated by itself.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('pgliteTemplate', null);
    return;
  }
  const pglite = await createPglite();
  await migrate(pgliteDb(pglite));
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const dir = await mkdtemp(join(tmpdir(), 'punchcard-pglite-template-'));
  const file = join(dir, 'migrated.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  return () => rm(dir, { recursive: true, force: true });
}
