import pg from 'pg';
import type { Db, Queryable } from './db.ts';
import { parseInt8 } from './db.ts';

const INT8_OID = 20;

/**
 * A name per statement text: node-postgres then prepares a statement once per connection and
 * only binds and executes it afterwards, sparing the server a parse and a plan per execution
 * (a good part of its CPU for the ledger's short statements). Statements without parameters
 * (scripts, DDL) stay unnamed. Bounded: past that many texts (generated SQL), new ones are not
 * named — a name is never reused for another text.
 */
const statementNames = new Map<string, string>();
const maxNamedStatements = 2000;

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < maxNamedStatements) {
    name = `pc${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * A generic plan is made once per connection, with the table sizes of that moment, and kept. The
 * statements that ask for them look up a batch of rows by key: planned while a table was small,
 * a scan of the whole table would stay in the plan as the table grows. Index lookups in nested
 * loops are right for a batch at any table size, so the planner is held to them. (A statement
 * whose generic plan the connection already made elsewhere, as a sweep may for the events
 * statement, keeps that plan: settings do not invalidate cached plans.)
 */
const genericPlansBegin = `BEGIN; SET LOCAL plan_cache_mode = force_generic_plan;
  SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off`;

export function openPostgres(connectionString: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});

  const query = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) =>
    (await client.query(params && params.length > 0 ? { name: statementName(sql), text: sql, values: params as unknown[] } : { text: sql }))
      .rows as Row[];

  return {
    engine: 'postgres',
    query: (sql, params) => query(pool, sql, params),
    exec: async (sql) => void (await pool.query(sql)),
    async transaction(work, options) {
      const client = await pool.connect();
      try {
        // One round trip either way: a simple query may hold several statements.
        await client.query(options?.genericPlans ? genericPlansBegin : 'BEGIN');
        const tx: Queryable = {
          query: (sql, params) => query(client, sql, params),
          exec: async (sql) => void (await client.query(sql)),
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      // A connection of its own: pooled connections are shared and cannot hold a LISTEN.
      const client = new pg.Client({ connectionString });
      client.on('error', () => {});
      await client.connect();
      client.on('notification', onNotify);
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        await client.end().catch(() => {});
      };
    },
    close: () => pool.end(),
  };
}
