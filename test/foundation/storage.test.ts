import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/db.ts';
import { parseInt8 } from '../../src/storage/db.ts';
import { loadMigrations, migrate, pendingMigrations } from '../../src/storage/migrate.ts';
import { openPglite } from '../../src/storage/pglite.ts';
import { openPostgres } from '../../src/storage/postgres.ts';

/** The query layer and migrations, on the engine under test (PGlite, or PostgreSQL with DATABASE_URL). */

const server = process.env.DATABASE_URL;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** An empty database, not migrated; `connections` opens that many independent handles on it (PostgreSQL only). */
async function emptyDb(connections = 1): Promise<Db[]> {
  if (!server) {
    const db = await openPglite();
    cleanups.push(() => db.close());
    return [db];
  }
  const name = `punchcard_storage_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const dbs = Array.from({ length: connections }, () => openPostgres(url.toString(), { max: 2 }));
  cleanups.push(async () => {
    for (const db of dbs) await db.close();
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });
  return dbs;
}

describe('migrations', () => {
  it('apply every file once, in order; a second run applies nothing', async () => {
    const [db] = await emptyDb();
    const files = await loadMigrations();
    expect(files.map((m) => m.version)).toEqual([...files.map((m) => m.version)].sort((a, b) => a - b));
    expect(files[0]).toMatchObject({ version: 1, name: 'foundation' });
    expect((await pendingMigrations(db)).map((m) => m.version)).toEqual(files.map((m) => m.version));

    expect(await migrate(db)).toEqual(files.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    expect(await pendingMigrations(db)).toEqual([]);
    const rows = await db.query<{ version: number; name: string }>(`SELECT version, name FROM schema_migrations ORDER BY version`);
    expect(rows).toEqual(files.map((m) => ({ version: m.version, name: m.name })));
  });

  it.skipIf(!server)('PostgreSQL: several processes migrating one fresh database at once apply each migration once', async () => {
    const dbs = await emptyDb(4);
    const results = await Promise.all(dbs.map((db) => migrate(db)));
    const versions = (await loadMigrations()).map((m) => m.version);
    expect(results.flat().sort((a, b) => a - b)).toEqual(versions);
    expect(await dbs[0].query(`SELECT version FROM schema_migrations`)).toHaveLength(versions.length);
  });
});

describe('query layer', () => {
  it('a transaction commits when its work resolves and rolls back when it throws', async () => {
    const [db] = await emptyDb();
    await db.exec(`CREATE TABLE t (n int PRIMARY KEY)`);
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO t VALUES (1)`);
    });
    await expect(db.transaction(async (tx) => {
      await tx.query(`INSERT INTO t VALUES (2)`);
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    await expect(db.transaction(async (tx) => {
      await tx.query(`INSERT INTO t VALUES (3)`);
      await tx.query(`INSERT INTO t VALUES (1)`); // duplicate: the database refuses
    })).rejects.toThrow();
    expect(await db.query(`SELECT n FROM t ORDER BY n`)).toEqual([{ n: 1 }]);
  });

  it('int8 values come back as exact numbers, and refuse to be inexact', async () => {
    const [db] = await emptyDb();
    const [row] = await db.query(`SELECT 9007199254740991::int8 AS big, (-42)::int8 AS neg, count(*) AS c FROM (VALUES (1), (2)) v`);
    expect(row).toEqual({ big: Number.MAX_SAFE_INTEGER, neg: -42, c: 2 });
    await expect(db.query(`SELECT 9007199254740993::int8 AS n`)).rejects.toThrow(/exact range/);
    expect(() => parseInt8('9007199254740992')).toThrow(RangeError);
  });

  it('parameters are never spliced into SQL', async () => {
    const [db] = await emptyDb();
    const [row] = await db.query(`SELECT $1::text AS v`, ["'; DROP TABLE schema_migrations; --"]);
    expect(row.v).toBe("'; DROP TABLE schema_migrations; --");
  });

  it.skipIf(!server)('PostgreSQL: a generic-plans transaction looks a batch of keys up by index, however small the table was when planned', async () => {
    const [db] = await emptyDb();
    // A couple of thousand rows and no statistics yet: what a plan made on a young installation sees.
    await db.exec(`CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO t SELECT n, 0 FROM generate_series(1, 2000) n`);
    const nodes = (plan: unknown): string[] => {
      const node = plan as { 'Node Type': string; Plans?: unknown[] };
      return [node['Node Type'], ...(node.Plans ?? []).flatMap(nodes)];
    };
    // The plan a prepared statement keeps for the connection: generic, made for no array in particular.
    const planIn = async (options?: { genericPlans: boolean }) => db.transaction(async (tx) => {
      if (!options) await tx.exec(`SET LOCAL plan_cache_mode = force_generic_plan`);
      await tx.exec(`PREPARE batch_update (int[], int[]) AS
        UPDATE t SET v = t.v + c.d FROM unnest($1, $2) AS c (id, d) WHERE t.id = c.id`);
      const [row] = await tx.query<{ 'QUERY PLAN': [{ Plan: unknown }] }>(`EXPLAIN (FORMAT JSON) EXECUTE batch_update ('{1,2}', '{5,6}')`);
      await tx.exec(`DEALLOCATE batch_update`);
      return nodes(row['QUERY PLAN'][0].Plan);
    }, options);
    // Left to itself the planner scans the whole table (right while it is tiny, kept in the plan as it grows).
    expect(await planIn()).toContain('Seq Scan');
    const pinned = await planIn({ genericPlans: true });
    expect(pinned).not.toContain('Seq Scan');
    expect(pinned).not.toContain('Hash Join');
    expect(pinned).toContain('Index Scan');
    // The settings are the transaction's own: both pooled connections (one held here, the other
    // taking the second query) are back to the defaults.
    const settings = await db.transaction(async (tx) => [
      ...await tx.query(`SHOW enable_seqscan`), ...await db.query(`SHOW enable_hashjoin`), ...await tx.query(`SHOW plan_cache_mode`),
    ]);
    expect(settings).toEqual([{ enable_seqscan: 'on' }, { enable_hashjoin: 'on' }, { plan_cache_mode: 'auto' }]);
  });
});
