import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { validateEventBody } from '../../src/events/catalog.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';

/** The event type a delivered body names: `event_name` (Brevo family) or `type` (Open Loyalty family). */
export const nameOf = (body: any): string => body?.event_name ?? body?.type;
/** The numeric contact id of the member an event is about, in either family. */
export const contactOf = (body: any): number | undefined => body?.contact_id ?? body?.data?.customer?.contactId;

export interface Program {
  id: string;
  key: string;
  /** Events delivered for this program since the last call: drained, validated, in sequence order. */
  events(): Promise<any[]>;
  /** Registers a member through the API and fails unless it answers 201. */
  register(body?: Record<string, unknown>): Promise<any>;
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export interface World {
  h: Harness;
  receiver: Receiver;
  /** A program (created with `extra`, e.g. a timezone or settings) with one endpoint taking every event. */
  program(extra?: Record<string, unknown>): Promise<Program>;
  close(): Promise<void>;
}

let serial = 0;
export const uniqueEmail = (prefix = 'member') => `${prefix}${++serial}.${Date.now() % 100000}@example.com`;

export async function startWorld(options: { start?: string } = {}): Promise<World> {
  const h = await startHarness(options);
  const receiver = await startReceiver();
  const worker = h.newWorker();
  const consumed = new Map<string, number>();

  return {
    h,
    receiver,
    async program(extra = {}) {
      const p = await h.newProgram(`Club ${++serial}`, extra);
      const path = `/in/${p.id}`;
      const endpoint = await h.call('POST', '/v1/webhook-endpoints', { key: p.key, body: { url: `${receiver.url}${path}` } });
      expect(endpoint.statusCode, endpoint.body).toBe(201);
      const call: Program['call'] = (method, url, body, headers) => h.call(method, url, { key: p.key, body, headers });
      return {
        id: p.id,
        key: p.key,
        call,
        async register(body = {}) {
          const response = await call('POST', '/v1/members', { email: uniqueEmail(), ...body });
          expect(response.statusCode, response.body).toBe(201);
          return response.json();
        },
        async events() {
          await worker.drain();
          const mine = receiver.received.filter((r) => r.path === path);
          const fresh = mine.slice(consumed.get(path) ?? 0);
          consumed.set(path, mine.length);
          const bodies = fresh.map((r) => r.json);
          for (const body of bodies) {
            expect(validateEventBody(nameOf(body), body), `${nameOf(body)} matches its schema: ${JSON.stringify(body)}`)
              .toEqual({ ok: true });
          }
          const sequenceOf = (b: any) => b.sequence ?? b.data?.sequence;
          return bodies.sort((a, b) => sequenceOf(a) - sequenceOf(b));
        },
      };
    },
    async close() {
      await h.close();
      await receiver.close();
    },
  };
}

/** Fails unless `response` is an RFC 9457 problem with this status (and, if given, naming this field). */
export function expectProblem(response: LightMyRequestResponse, status: number, field?: string | RegExp) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json();
  expect(problem.status).toBe(status);
  if (field !== undefined) {
    const fields: string[] = (problem.errors ?? []).map((e: { field: string }) => e.field);
    if (typeof field === 'string') expect(fields, problem.detail).toContain(field);
    else expect(fields.some((f) => field.test(f)), `${fields.join(', ')} names ${field}`).toBe(true);
  }
  return problem;
}

/** The names of a list of delivered bodies, in order. */
export const namesOf = (bodies: any[]) => bodies.map(nameOf);

/** The one body of this name; fails when there is not exactly one. */
export function only(bodies: any[], name: string): any {
  const found = bodies.filter((b) => nameOf(b) === name);
  expect(found.map(nameOf), `exactly one ${name} among ${namesOf(bodies).join(', ')}`).toEqual([name]);
  return found[0];
}

/** Rows of a table for one program, straight from the database. */
export async function countRows(h: Harness, table: 'members' | 'subscriptions' | 'member_codes' | 'events', programId: string) {
  const [row] = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE program_id = $1`, [programId]);
  return row.n;
}
