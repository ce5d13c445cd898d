import { afterAll, beforeAll, expect } from 'vitest';
import { validateEventBody } from '../../src/events/catalog.ts';
import type { Queryable } from '../../src/storage/db.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';

const receivers: Receiver[] = [];
const anniversaryEvents = new Set(['subscription_month_anniversary', 'subscription_year_anniversary', 'membership_anniversary_reminder']);
export const closeReceivers = () => Promise.all(receivers.splice(0).map((r) => r.close()));

/**
 * One harness per test file, handed to `use` once started (the file keeps it, and whatever it
 * builds on it, in its own variables); closed at the end with the receivers its programs started.
 */
export function useLedgerHarness(options: Parameters<typeof startHarness>[0], use: (h: Harness) => void | Promise<void>): void {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness(options);
    await use(h);
  });
  afterAll(async () => {
    await h?.close();
    await closeReceivers();
  });
}

/**
 * An endpoint of the program on a loopback receiver, subscribed to every event. `next()` delivers
 * what is due through a real worker (signed, over HTTP) and returns the bodies received since the
 * last call, each checked against its schema.
 */
export async function catchEvents(h: Harness, programKey: string) {
  const receiver: Receiver = await startReceiver();
  receivers.push(receiver);
  const endpoint = await h.call('POST', '/v1/webhook-endpoints', { key: programKey, body: { url: `${receiver.url}/in` } });
  expect(endpoint.statusCode, endpoint.body).toBe(201);
  const worker = h.newWorker();
  let seen = 0;
  return {
    receiver,
    async next(): Promise<any[]> {
      await worker.drain();
      const fresh = receiver.received.slice(seen).map((r) => r.json);
      seen = receiver.received.length;
      for (const body of fresh) {
        const name = body.event_name ?? body.type;
        expect(validateEventBody(name, body), name).toEqual({ ok: true });
      }
      return fresh;
    },
  };
}

/** A program with a points definition, an endpoint catching every event, and helpers to act and read. */
export async function ledgerProgram(h: Harness, definition: Record<string, unknown> = {}, programExtra: Record<string, unknown> = {}) {
  const program = await h.newProgram('Ledger Club', { timezone: 'Europe/Paris', ...programExtra });
  const caught = await catchEvents(h, program.key);
  const created = await h.call('POST', '/v1/balance-definitions', { key: program.key, body: { name: 'Points', unit: 'points', decimals: 0, ...definition } });
  expect(created.statusCode, created.body).toBe(201);
  const call = (method: string, url: string, body?: unknown) => h.call(method, url, { key: program.key, body });
  return {
    program,
    definition: created.json(),
    receiver: caught.receiver,
    call,
    async member(email: string) {
      const response = await call('POST', '/v1/members', { email });
      expect(response.statusCode, response.body).toBe(201);
      return response.json();
    },
    async credit(memberId: string, amount: number, extra: Record<string, unknown> = {}) {
      return call('POST', '/v1/ledger/transactions', { memberId, kind: 'credit', amount, autoComplete: true, ...extra });
    },
    async debit(memberId: string, amount: number, extra: Record<string, unknown> = {}) {
      return call('POST', '/v1/ledger/transactions', { memberId, kind: 'debit', amount, autoComplete: true, ...extra });
    },
    async balance(memberId: string) {
      const response = await call('GET', `/v1/members/${memberId}/balances`);
      return response.json().data[0];
    },
    /**
     * Delivers what is due and returns the bodies received since the last call, each checked
     * against its schema. Enrolment anniversaries (the members' calendar, which a sandbox clock
     * moved by weeks also plays) are checked and left out, unless `all`.
     */
    async events(options: { all?: boolean } = {}): Promise<any[]> {
      const fresh = await caught.next();
      return options.all ? fresh : fresh.filter((body) => !anniversaryEvents.has(body.event_name ?? body.type));
    },
    async check() {
      const response = await call('GET', '/v1/ledger/check');
      return response.json();
    },
    /** The member's balance in a definition (default: the program's first one), undefined if none yet. */
    async balanceOf(memberId: string, definitionId?: string) {
      const response = await call('GET', `/v1/members/${memberId}/balances`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json().data.find((b: any) => b.balanceDefinitionId === (definitionId ?? created.json().id));
    },
    /** Another definition of the program. */
    async define(body: Record<string, unknown>) {
      const response = await call('POST', '/v1/balance-definitions', { name: 'Other', ...body });
      expect(response.statusCode, response.body).toBe(201);
      return response.json();
    },
    /** Every item of a paginated list, following cursors. */
    async all(url: string): Promise<any[]> {
      const items: any[] = [];
      let cursor: string | null = null;
      do {
        const sep = url.includes('?') ? '&' : '?';
        const response = await call('GET', cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url);
        expect(response.statusCode, response.body).toBe(200);
        items.push(...response.json().data);
        cursor = response.json().nextCursor ?? null;
      } while (cursor);
      return items;
    },
    /** Sandbox time travel of this program, playing due jobs; fails the test if a job fails. */
    async advance(input: { by: string } | { to: string }) {
      const response = await call('POST', `/v1/programs/${program.id}/clock/advance`, input);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().failedJob, response.body).toBeNull();
      expect(response.json().reachedTarget).toBe(true);
      return response.json() as { from: string; target: string; jobsRun: number };
    },
    /** The program's clock now. */
    async now(): Promise<Date> {
      const response = await h.call('GET', `/v1/programs/${program.id}`);
      return new Date(response.json().clock.now);
    },
  };
}

/** Everything the ledger stores, in a comparable form: a request that changes nothing leaves it equal. */
export async function ledgerSnapshot(db: Queryable) {
  const balances = await db.query(`SELECT * FROM balances ORDER BY id`);
  const lots = await db.query(`SELECT * FROM lots ORDER BY id`);
  const transactions = await db.query(`SELECT * FROM ledger_transactions ORDER BY id`);
  const allocations = await db.query(`SELECT * FROM lot_allocations ORDER BY transaction_id, lot_id`);
  const events = await db.query(`SELECT id, type FROM events ORDER BY id`);
  const jobs = await db.query(`SELECT id, kind, run_at, payload FROM scheduled_jobs ORDER BY id`);
  return { balances, lots, transactions, allocations, events, jobs };
}

/** The outbox events of a program, by type, straight from the database (for runs too big to deliver in a test). */
export async function countEvents(db: Queryable, programId: string): Promise<Record<string, number>> {
  const rows = await db.query<{ type: string; n: number }>(
    `SELECT type, count(*)::int AS n FROM events WHERE program_id = $1 GROUP BY type ORDER BY type`, [programId]);
  return Object.fromEntries(rows.map((r) => [r.type, r.n]));
}

/** The events of one kind among `events`. */
export const ofType = (events: any[], name: string) => events.filter((e) => (e.event_name ?? e.type) === name);

export const names = (events: any[]) => events.map((e) => e.event_name ?? e.type);
