import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Queryable } from '../../src/storage/db.ts';

/**
 * Asserts an RFC 9457 problem answer: the status, the media type, the members every problem
 * carries, no stack trace, and (when given) that `errors[].field` names the offending field.
 */
export function expectProblem(res: LightMyRequestResponse, status: number, field?: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^\/problems\//), title: expect.any(String), detail: expect.any(String) });
  expect(res.body).not.toMatch(/\bat .+\.ts:\d+/); // no stack frames
  if (field !== undefined) {
    expect(body.errors?.map((e: { field: string }) => e.field), res.body).toContain(field);
  }
  return body as { status: number; type: string; title: string; detail: string; instance?: string; errors?: { field: string; message: string }[] };
}

/** Everything the foundation stores, in a comparable form: a request that changes nothing leaves it equal. */
export async function snapshot(db: Queryable) {
  const programs = await db.query(
    `SELECT p.id, p.name, p.timezone, p.settings, p.clock_offset_ms, s.last_sequence, p.created_at, p.updated_at
     FROM programs p JOIN event_sequences s ON s.program_id = p.id ORDER BY p.id`,
  );
  const keys = await db.query(`SELECT id, program_id, name, prefix, key_hash, created_at, revoked_at FROM api_keys ORDER BY id`);
  const idempotency = await db.query(`SELECT scope, key, request_hash, status_code FROM idempotency_records ORDER BY scope, key`);
  const jobs = await db.query(`SELECT id, program_id, kind, run_at, payload, attempts, last_error FROM scheduled_jobs ORDER BY id`);
  return { programs, keys, idempotency, jobs };
}

export async function count(db: Queryable, table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row.n;
}
