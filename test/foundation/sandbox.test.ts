import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduleJob } from '../../src/scheduler/schedule.ts';
import type { Queryable } from '../../src/storage/db.ts';
import type { ScheduledJob } from '../../src/storage/scheduled-jobs.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { expectProblem, snapshot } from './helpers.ts';

/** Sandbox time travel: POST /v1/programs/:id/clock/advance plays the program's due work in order. */

const day = 86_400_000;
let h: Harness;
let fail = false;
/** What each played job saw: its payload, the `now` it was given, and the program clock in its transaction. */
const played: { n: unknown; now: string; programNow: string; runAt: string }[] = [];

beforeAll(async () => {
  h = await startHarness();
  const record = async (tx: Queryable, job: ScheduledJob, now: Date) => {
    const [{ offset }] = await tx.query<{ offset: number }>(`SELECT clock_offset_ms AS "offset" FROM programs WHERE id = $1`, [job.programId]);
    played.push({ n: job.payload.n, now: now.toISOString(), programNow: new Date(h.clock.now().getTime() + offset).toISOString(), runAt: job.runAt.toISOString() });
  };
  h.scheduler.register('test.play', record);
  h.scheduler.register('test.flaky', async (tx, job, now) => {
    await record(tx, job, now);
    if (fail) throw new Error('flaky job failed');
  });
  // A job that schedules its successor a day later, up to n = 3: work created while playing is played too.
  h.scheduler.register('test.chain', async (tx, job, now) => {
    await record(tx, job, now);
    const n = job.payload.n as number;
    if (n < 3) await scheduleJob(tx, { programId: job.programId, kind: 'test.chain', runAt: new Date(now.getTime() + day), payload: { n: n + 1 }, now });
  });
});
afterAll(() => h?.close());
beforeEach(async () => {
  played.length = 0;
  fail = false;
  await h.db.query(`DELETE FROM scheduled_jobs`);
});

const schedule = (programId: string, kind: string, runAt: Date, payload: Record<string, unknown>) =>
  h.db.transaction((tx) => scheduleJob(tx, { programId, kind, runAt, payload, now: h.clock.now() }));
const programClock = async (id: string) => (await h.call('GET', `/v1/programs/${id}`)).json().clock as { now: string; offsetMs: number };
const pendingJobs = (id: string) =>
  h.db.query<{ n: unknown }>(`SELECT payload->'n' AS n FROM scheduled_jobs WHERE program_id = $1 ORDER BY run_at`, [id]);

describe('sandbox clock advance', () => {
  it('plays due jobs in due order, each at its own time, and leaves the clock at the target', async () => {
    const { id, key } = await h.newProgram('Time traveller');
    const other = await h.newProgram('Bystander');
    const start = h.clock.now().getTime();
    await schedule(id, 'test.play', new Date(start + 3 * day), { n: 3 });
    await schedule(id, 'test.play', new Date(start + 1 * day), { n: 1 });
    await schedule(id, 'test.play', new Date(start + 10 * day), { n: 10 });
    await schedule(id, 'test.play', new Date(start + 2 * day), { n: 2 });
    await schedule(other.id, 'test.play', new Date(start + 1 * day), { n: 'other' });

    const res = await h.call('POST', `/v1/programs/${id}/clock/advance`, { key, body: { by: 'P5D' } });
    expect(res.statusCode, res.body).toBe(200);
    const target = new Date(start + 5 * day).toISOString();
    expect(res.json()).toMatchObject({
      from: new Date(start).toISOString(),
      target,
      jobsRun: 3,
      reachedTarget: true,
      failedJob: null,
      program: { id, clock: { now: target, offsetMs: 5 * day } },
    });
    expect(played.map((p) => p.n)).toEqual([1, 2, 3]);
    for (const p of played) {
      expect(p.now).toBe(p.runAt); // the job sees the moment it was meant for
      expect(p.programNow).toBe(p.runAt); // and so does anything reading the program's clock
    }
    expect(await programClock(id)).toEqual({ now: target, offsetMs: 5 * day });
    expect((await pendingJobs(id)).map((j) => j.n)).toEqual([10]);
    // Another program's work and clock are untouched; the instance clock did not move.
    expect(await programClock(other.id)).toMatchObject({ offsetMs: 0 });
    expect(await pendingJobs(other.id)).toHaveLength(1);
    expect(h.clock.now().getTime()).toBe(start);
  });

  it('moves to an absolute time with "to" and plays work created on the way', async () => {
    const { id } = await h.newProgram('Chains');
    const start = h.clock.now().getTime();
    await schedule(id, 'test.chain', new Date(start + day), { n: 1 });
    const to = new Date(start + 2 * day + 1).toISOString();
    const res = await h.call('POST', `/v1/programs/${id}/clock/advance`, { body: { to } });
    expect(res.json()).toMatchObject({ target: to, jobsRun: 2, reachedTarget: true });
    expect(played.map((p) => [p.n, p.now])).toEqual([
      [1, new Date(start + day).toISOString()],
      [2, new Date(start + 2 * day).toISOString()],
    ]);
    expect((await pendingJobs(id)).map((j) => j.n)).toEqual([3]);
    // Later, the regular scheduler sees the program's clock where the play left it.
    expect(await h.scheduler.drain()).toBe(0);
    h.clock.advance(day);
    expect(await h.scheduler.drain()).toBe(1);
    expect(played.map((p) => p.n)).toEqual([1, 2, 3]);
  });

  it('a failing job stops the play where it failed; the clock does not pass undone work', async () => {
    const { id } = await h.newProgram('Flaky');
    const start = h.clock.now().getTime();
    await schedule(id, 'test.play', new Date(start + day), { n: 1 });
    await schedule(id, 'test.flaky', new Date(start + 2 * day), { n: 2 });
    await schedule(id, 'test.play', new Date(start + 3 * day), { n: 3 });
    fail = true;
    const res = await h.call('POST', `/v1/programs/${id}/clock/advance`, { body: { by: 'P4D' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      jobsRun: 1,
      reachedTarget: false,
      failedJob: { kind: 'test.flaky', runAt: new Date(start + 2 * day).toISOString(), error: 'flaky job failed' },
      program: { clock: { offsetMs: day } },
    });
    const [failed] = await h.db.query(`SELECT attempts, last_error FROM scheduled_jobs WHERE program_id = $1 AND kind = 'test.flaky'`, [id]);
    expect(failed).toEqual({ attempts: 1, last_error: 'flaky job failed' });

    fail = false;
    played.length = 0;
    const retry = await h.call('POST', `/v1/programs/${id}/clock/advance`, { body: { by: 'P3D' } });
    expect(retry.json()).toMatchObject({ jobsRun: 2, reachedTarget: true, failedJob: null, program: { clock: { offsetMs: 4 * day } } });
    expect(played.map((p) => p.n)).toEqual([2, 3]);
    expect(await pendingJobs(id)).toHaveLength(0);
  });

  it('P1M is a calendar month and P1D keeps the wall-clock time across daylight saving', async () => {
    h.clock.set('2026-03-01T09:00:00.000Z');
    const utc = await h.newProgram('Monthly', { timezone: 'UTC' });
    const month = await h.call('POST', `/v1/programs/${utc.id}/clock/advance`, { body: { by: 'P1M' } });
    expect(month.json().target).toBe('2026-04-01T09:00:00.000Z');

    h.clock.set('2026-03-28T09:00:00.000Z'); // 10:00 in Paris, the day before summer time
    const paris = await h.newProgram('Parisian', { timezone: 'Europe/Paris' });
    const dayInParis = await h.call('POST', `/v1/programs/${paris.id}/clock/advance`, { body: { by: 'P1D' } });
    expect(dayInParis.json().target).toBe('2026-03-29T08:00:00.000Z'); // 10:00 summer time
    const hours = await h.call('POST', `/v1/programs/${paris.id}/clock/advance`, { body: { by: 'PT24H' } });
    expect(hours.json().target).toBe('2026-03-30T08:00:00.000Z');
  });

  it('advancing to the present runs what is due now and keeps the clock', async () => {
    const { id } = await h.newProgram('Present');
    const now = h.clock.now();
    await schedule(id, 'test.play', now, { n: 'now' });
    const res = await h.call('POST', `/v1/programs/${id}/clock/advance`, { body: { to: now.toISOString() } });
    expect(res.json()).toMatchObject({ jobsRun: 1, reachedTarget: true, program: { clock: { offsetMs: 0 } } });
  });

  it('refuses to move backwards, and nothing changes', async () => {
    const { id } = await h.newProgram('No way back');
    await h.call('POST', `/v1/programs/${id}/clock/advance`, { body: { by: 'P10D' } });
    const before = await snapshot(h.db);
    const programNow = (await programClock(id)).now;
    const earlier = new Date(Date.parse(programNow) - 1).toISOString();
    expectProblem(await h.call('POST', `/v1/programs/${id}/clock/advance`, { body: { to: earlier } }), 422, '/to');
    expectProblem(await h.call('POST', `/v1/programs/${id}/clock/advance`, { body: { by: '-P1D' } }), 422, '/by');
    expect(await snapshot(h.db)).toEqual(before);
    expect((await programClock(id)).now).toBe(programNow);
  });
});

describe('outside sandbox mode', () => {
  let prod: Harness;
  beforeAll(async () => {
    prod = await startHarness({ sandbox: false });
    prod.scheduler.register('test.play', async () => {
      throw new Error('must not run');
    });
  });
  afterAll(() => prod?.close());

  it('time travel is refused, for admin and program keys alike, and no job runs', async () => {
    const { id, key } = await prod.newProgram('Production');
    await prod.db.transaction((tx) =>
      scheduleJob(tx, { programId: id, kind: 'test.play', runAt: new Date(prod.clock.now().getTime() + day), now: prod.clock.now() }));
    const before = await snapshot(prod.db);
    for (const k of [prod.adminKey, key]) {
      const res = await prod.call('POST', `/v1/programs/${id}/clock/advance`, { key: k, body: { by: 'P1Y' } });
      const problem = expectProblem(res, 403);
      expect(problem.detail).toMatch(/sandbox/);
    }
    expect(await snapshot(prod.db)).toEqual(before);
  });
});
