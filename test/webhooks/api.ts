import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Harness } from '../support/harness.ts';

type Call = Harness['call'];

let registered = 0;

/**
 * Registers an active member through the public API: the change that fires CustomerRegistered
 * and subscription_created (and whatever else registration fires) in one transaction.
 */
export async function registerMember(call: Call, key: string, email = `member${++registered}@example.com`) {
  const response = await call('POST', '/v1/members', { key, body: { email } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** Fails unless `response` is an RFC 9457 problem with this status naming this field. */
export function expectProblem(response: LightMyRequestResponse, status: number, field: string | RegExp) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json();
  expect(problem.status).toBe(status);
  const fields: string[] = (problem.errors ?? []).map((e: { field: string }) => e.field);
  if (typeof field === 'string') expect(fields, problem.detail).toContain(field);
  else expect(fields.some((f) => field.test(f)), `${fields.join(', ')} names ${field}`).toBe(true);
  return problem;
}

/** Fails unless `response` is a 404 problem. */
export function expectNotFound(response: LightMyRequestResponse) {
  expect(response.statusCode, response.body).toBe(404);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json().status).toBe(404);
}
