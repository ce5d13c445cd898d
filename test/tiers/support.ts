import { expect } from 'vitest';
import { validateEventBody } from '../../src/events/catalog.ts';
import type { Harness } from '../support/harness.ts';

/** The event type of an outbox body: `event_name` (Brevo family) or `type` (Open Loyalty family). */
export const nameOf = (body: any): string => body.event_name ?? body.type;
/** The members' calendar (enrolment anniversaries), which a clock moved by months also plays. */
const enrolmentCalendar = /^(subscription_(month|year)_anniversary|membership_anniversary_reminder)$/;

let serial = 0;

/** A program with a points definition and helpers to act and to read its outbox. */
export async function tierProgram(h: Harness, extra: Record<string, unknown> = {}) {
  const program = await h.newProgram(`Tier Club ${++serial}`, { timezone: 'Europe/Paris', ...extra });
  const call = (method: string, url: string, body?: unknown) => h.call(method, url, { key: program.key, body });
  const points = await call('POST', '/v1/balance-definitions', { name: 'Points', unit: 'points' });
  expect(points.statusCode, points.body).toBe(201);
  let seen = 0;
  const ok = async (method: string, url: string, body?: unknown, status = 200) => {
    const response = await call(method, url, body);
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  };
  return {
    id: program.id,
    key: program.key,
    points: points.json().id as string,
    call,
    ok,
    /** A group with tiers: each given as [name, conditions] (the first is the default). */
    async group(body: Record<string, unknown>, tiers: Array<[string, unknown[]]>) {
      const group = await ok('POST', '/v1/tier-groups', body, 201);
      const made = [];
      for (const [i, [name, conditions]] of tiers.entries()) {
        made.push(await ok('POST', `/v1/tier-groups/${group.id}/tiers`, { name, order: i * 10, conditions }, 201));
      }
      return { ...group, tiers: made } as { id: string; name: string; tiers: Array<{ id: string; name: string }> };
    },
    async member(body: Record<string, unknown> = {}) {
      return ok('POST', '/v1/members', { email: `m${++serial}@example.com`, ...body }, 201);
    },
    async move(memberId: string, kind: 'credit' | 'debit', amount: number) {
      return ok('POST', '/v1/ledger/transactions', { memberId, kind, amount, autoComplete: true }, 201);
    },
    async tiers(memberId: string) {
      return (await ok('GET', `/v1/members/${memberId}/tiers`)).data as any[];
    },
    async advance(input: { by: string } | { to: string }) {
      const played = await ok('POST', `/v1/programs/${program.id}/clock/advance`, input);
      expect(played.failedJob, JSON.stringify(played)).toBeNull();
      return played;
    },
    /** Outbox bodies since the last call, in sequence order, each valid against its schema; enrolment anniversaries left out. */
    async events(): Promise<any[]> {
      const rows = await h.db.query<{ body: string; sequence: number }>(
        `SELECT body, sequence FROM events WHERE program_id = $1 AND sequence > $2 ORDER BY sequence`, [program.id, seen]);
      if (rows.length > 0) seen = rows[rows.length - 1].sequence;
      const bodies = rows.map((r) => JSON.parse(r.body));
      for (const body of bodies) expect(validateEventBody(nameOf(body), body), nameOf(body)).toEqual({ ok: true });
      return bodies.filter((b) => !enrolmentCalendar.test(nameOf(b)));
    },
  };
}

export type TierProgram = Awaited<ReturnType<typeof tierProgram>>;

/** The tier-change events in a short comparable form. */
export const levelChanges = (events: any[]) => events.filter((e) => nameOf(e) === 'CustomerLevelChanged').map((e) => ({
  to: e.data.levelName, from: e.data.previousLevelName, direction: e.data.direction, manual: e.data.manual,
}));
