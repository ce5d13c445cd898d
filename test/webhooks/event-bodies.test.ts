import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/clock.ts';
import { uuidv7 } from '../../src/domain/ids.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createProgram } from '../../src/services/programs.ts';
import { createEndpoint } from '../../src/services/webhook-endpoints.ts';
import type { Db } from '../../src/storage/db.ts';
import { writeEvents } from '../../src/outbox/emit.ts';
import { insertEventsWithMessages } from '../../src/storage/events.ts';
import type { Write } from '../../src/storage/writes.ts';
import { openTestDb } from '../support/database.ts';
import { testSealKey } from '../support/sealing-key.ts';

/**
 * The outbox sends a batch's bodies to the database as one JSON array (storage/events.ts,
 * bodiesParameter). What is signed and delivered is the stored text, so it must come out byte
 * for byte as it was built, whatever the body holds.
 */

const standIn = '"sequence":9007199254740991';

/** Bodies as JSON.stringify makes them, with what an escaping or re-encoding step would change. */
const awkwardFields: unknown[] = [
  'quotes " and backslashes \\ and \\" together',
  'a NUL \u0000, a tab \t, a newline \n, a bell \u0007',
  'line and paragraph separators \u2028 \u2029 (raw in JSON.stringify output)',
  'accents é ü ñ, CJK 積分, an emoji 🎟️ and a lone surrogate \ud800',
  '  leading and trailing spaces  ',
  { nested: [1, -0.5, 1e21, null, true, { deeper: ['[', ']', '{', '}', ','] }] },
  '',
];

let db: Db;
let drop: () => Promise<void>;
let programId: string;

beforeAll(async () => {
  ({ db, drop } = await openTestDb());
  const ctx: ServiceContext = { db, clock: systemClock, sandbox: false, sealKey: testSealKey };
  programId = (await createProgram(ctx, { name: 'Bodies' })).id;
  for (const n of [1, 2]) await createEndpoint(ctx, programId, { url: `https://hooks.example.com/${n}` });
});
afterAll(() => drop());

async function writeBatch(numberNow: boolean, alsoWrite: Write[] = []) {
  const now = new Date();
  const events = awkwardFields.map((field, n) => ({
    id: uuidv7(now),
    type: 'CustomerRegistered',
    body: JSON.stringify({ eventId: `e${n}`, ...JSON.parse(`{${standIn}}`), data: { field } }),
  }));
  const written = await db.transaction((tx) => insertEventsWithMessages(
    tx, { programId, occurredAt: now, events, standIn }, now, (count) => Array.from({ length: count }, () => uuidv7(now)), { numberNow, alsoWrite }));
  const stored = await db.query<{ id: string; sequence: number; body: string; messages: number }>(
    `SELECT e.id, e.sequence, e.body, (SELECT count(*)::int FROM webhook_messages m WHERE m.event_id = e.id) AS messages
     FROM events e WHERE e.id = ANY ($1::uuid[]) ORDER BY e.sequence`, [events.map((e) => e.id)]);
  return { events, written, stored };
}

describe('event bodies in the outbox', () => {
  for (const numberNow of [false, true]) {
    it(`are stored byte for byte, numbered in order, with a message per endpoint (${numberNow ? 'numbered by the statement' : 'numbered at COMMIT'})`, async () => {
      const { events, written, stored } = await writeBatch(numberNow);
      expect(stored.map((row) => row.id)).toEqual(events.map((e) => e.id));
      const first = stored[0].sequence;
      stored.forEach((row, n) => {
        expect(row.sequence).toBe(first + n);
        expect(row.body).toBe(events[n].body.replace(standIn, `"sequence":${row.sequence}`));
        expect(JSON.parse(row.body).data.field).toEqual(awkwardFields[n]);
        expect(row.messages).toBe(2);
      });
      expect(written.messages).toEqual(events.map(() => 2));
      if (numberNow) expect(written.sequences).toEqual(stored.map((row) => row.sequence));
    });
  }

  it('carry the change\'s own writes in the same statement, each with its parameters', async () => {
    // Parameters of both parts start at $1: they only land right if the writes' are renumbered.
    const rename: Write = { sql: `UPDATE programs SET name = $1, updated_at = $2 WHERE id = $3`, params: ['Renamed with its events', new Date(), programId] };
    const { stored } = await writeBatch(true, [rename]);
    expect(stored).toHaveLength(awkwardFields.length);
    const [program] = await db.query<{ name: string }>(`SELECT name FROM programs WHERE id = $1`, [programId]);
    expect(program.name).toBe('Renamed with its events');
  });

  it('carry the writes alone when a change has no event', async () => {
    const before = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE program_id = $1`, [programId]);
    const now = new Date();
    const rename: Write = { sql: `UPDATE programs SET name = $1 WHERE id = $2`, params: ['Renamed without events', programId] };
    const emitted = await db.transaction((tx) => writeEvents(tx, { program: { id: programId, name: 'Bodies' }, occurredAt: now, now, source: 'test' }, [], { alsoWrite: [rename] }));
    expect(emitted).toEqual([]);
    const [program] = await db.query<{ name: string }>(`SELECT name FROM programs WHERE id = $1`, [programId]);
    expect(program.name).toBe('Renamed without events');
    const after = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE program_id = $1`, [programId]);
    expect(after[0].n).toBe(before[0].n);
  });
});
