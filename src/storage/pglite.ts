import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable } from './db.ts';
import { parseInt8 } from './db.ts';

/**
 * Embedded PostgreSQL (WASM). One connection: PGlite queues statements and transactions
 * itself, so a transaction here is naturally serial.
 * `dataDir` undefined keeps the database in memory (tests). `template`, a data directory
 * dumped by PGlite's dumpDataDir, starts it from that state instead of an empty cluster.
 */
export async function openPglite(dataDir?: string, template?: Blob): Promise<Db> {
  return pgliteDb(await createPglite(dataDir, template));
}

export function createPglite(dataDir?: string, template?: Blob): Promise<PGlite> {
  return PGlite.create(dataDir, {
    parsers: { [types.INT8]: parseInt8 },
    ...(template ? { loadDataDir: template } : {}),
  });
}

/** The query layer over an open PGlite instance. */
export function pgliteDb(pglite: PGlite): Db {
  const query = async <Row>(target: Pick<PGlite, 'query'>, sql: string, params?: readonly unknown[]) =>
    (await target.query<Row>(sql, params as unknown[])).rows;

  return {
    engine: 'pglite',
    query: (sql, params) => query(pglite, sql, params),
    exec: async (sql) => void (await pglite.exec(sql)),
    transaction: (work) =>
      pglite.transaction(async (inner) => {
        const tx: Queryable = {
          query: (sql, params) => query(inner, sql, params),
          exec: async (sql) => void (await inner.exec(sql)),
        };
        return work(tx);
      }),
    listen: async (channel, onNotify) => {
      const unsubscribe = await pglite.listen(channel, onNotify);
      return async () => {
        if (!pglite.closed) await unsubscribe();
      };
    },
    close: () => pglite.close(),
  };
}
