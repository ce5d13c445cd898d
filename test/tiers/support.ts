import { expect } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { catchEvents } from '../ledger/support.ts';

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
  const caught = await catchEvents(h, program.key);
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
    /** Bodies delivered since the last call (a real worker, over HTTP), in sequence order, each valid against its schema; enrolment anniversaries left out. */
    async events(): Promise<any[]> {
      const bodies = (await caught.next()).sort((a, b) => (a.sequence ?? a.data.sequence) - (b.sequence ?? b.data.sequence));
      return bodies.filter((b) => !enrolmentCalendar.test(nameOf(b)));
    },
  };
}

export type TierProgram = Awaited<ReturnType<typeof tierProgram>>;

/** The tier-change events in a short comparable form. */
export const levelChanges = (events: any[]) => events.filter((e) => nameOf(e) === 'CustomerLevelChanged').map((e) => ({
  to: e.data.levelName, from: e.data.previousLevelName, direction: e.data.direction, manual: e.data.manual,
}));
