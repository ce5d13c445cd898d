import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduleJob, unscheduleJob } from '../../src/scheduler/schedule.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import type { ScheduledJob } from '../../src/storage/scheduled-jobs.ts';
import { startHarness, type Harness } from '../support/harness.ts';

/** The durable scheduler: due rows claimed with FOR UPDATE SKIP LOCKED, effects and removal in one transaction. */

let h: Harness;
let programId: string;
const hour = 3_600_000;

beforeAll(async () => {
  h = await startHarness();
  programId = (await h.newProgram('Scheduled')).id;
  // What a job's effects look like from the outside: rows written in the job's transaction.
  await h.db.exec(`CREATE TABLE test_effects (job_id uuid NOT NULL, runner text NOT NULL, now timestamptz NOT NULL)`);
});
afterAll(() => h?.close());
beforeEach(async () => {
  await h.db.exec(`DELETE FROM scheduled_jobs; DELETE FROM test_effects;`);
});

const schedule = (job: { kind: string; runAt: Date; payload?: Record<string, unknown>; dedupeKey?: string; programId?: string }) =>
  h.db.transaction((tx) => scheduleJob(tx, { programId, ...job, now: h.clock.now() }));

const jobsRows = () =>
  h.db.query<{ id: string; kind: string; runAt: Date; payload: Record<string, unknown>; attempts: number; lastError: string | null }>(
    `SELECT id, kind, run_at AS "runAt", payload, attempts, last_error AS "lastError" FROM scheduled_jobs ORDER BY run_at, id`,
  );
const effects = () => h.db.query<{ jobId: string; runner: string; now: Date }>(
  `SELECT job_id AS "jobId", runner, now FROM test_effects ORDER BY now, job_id`,
);

/** A scheduler whose `test.record` jobs write an effect row and remember what they saw. */
function recordingScheduler(runner = 'one') {
  const scheduler = new Scheduler({ db: h.db, clock: h.clock });
  const seen: { job: ScheduledJob; now: Date }[] = [];
  scheduler.register('test.record', async (tx, job, now) => {
    await tx.query(`INSERT INTO test_effects (job_id, runner, now) VALUES ($1, $2, $3)`, [job.id, runner, now]);
    seen.push({ job, now });
  });
  return { scheduler, seen };
}

/** A scheduler whose `test.record` job writes its effect, then holds its transaction open until released. */
function holdingScheduler() {
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const slow = new Scheduler({ db: h.db, clock: h.clock });
  slow.register('test.record', async (tx, job, now) => {
    await tx.query(`INSERT INTO test_effects (job_id, runner, now) VALUES ($1, 'slow', $2)`, [job.id, now]);
    holding();
    await released;
  });
  return { slow, held, release };
}

describe('scheduler', () => {
  it('a job due later does not run before its time, then runs once', async () => {
    const { scheduler, seen } = recordingScheduler();
    const runAt = new Date(h.clock.now().getTime() + hour);
    await schedule({ kind: 'test.record', runAt, payload: { lot: 'L1' } });

    expect(await scheduler.runOne()).toBe(false);
    h.clock.advance(hour - 1);
    expect(await scheduler.drain()).toBe(0);
    expect(seen).toHaveLength(0);
    expect(await jobsRows()).toHaveLength(1);

    h.clock.advance(1);
    expect(await scheduler.runOne()).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0].job).toMatchObject({ kind: 'test.record', programId, payload: { lot: 'L1' }, attempts: 0 });
    expect(seen[0].job.runAt.toISOString()).toBe(runAt.toISOString());
    expect(seen[0].now.toISOString()).toBe(h.clock.now().toISOString());
    expect(await jobsRows()).toHaveLength(0);
    expect(await effects()).toHaveLength(1);

    h.clock.advance(24 * hour);
    expect(await scheduler.drain()).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('drain runs every due job in due order and leaves the others', async () => {
    const { scheduler, seen } = recordingScheduler();
    const t = h.clock.now().getTime();
    for (const [n, offset] of [[3, 3], [1, 1], [2, 2], [9, 100]] as const) {
      await schedule({ kind: 'test.record', runAt: new Date(t - hour + offset), payload: { n } });
    }
    await schedule({ kind: 'test.record', runAt: new Date(t + hour), payload: { n: 10 } });
    expect(await scheduler.drain()).toBe(4);
    expect(seen.map((s) => s.job.payload.n)).toEqual([1, 2, 3, 9]);
    expect((await jobsRows()).map((j) => j.payload.n)).toEqual([10]);
  });

  it("judges due-ness by the program's own clock and hands the job the program's now", async () => {
    const other = (await h.call('POST', '/v1/programs', { body: { name: 'Ahead' } })).json().id;
    const advanced = await h.call('POST', `/v1/programs/${other}/clock/advance`, { body: { by: 'P1D' } });
    expect(advanced.statusCode).toBe(200);
    const { scheduler, seen } = recordingScheduler();
    const inTwelveHours = new Date(h.clock.now().getTime() + 12 * hour);
    await schedule({ kind: 'test.record', runAt: inTwelveHours, programId: other }); // past, for a clock a day ahead
    await schedule({ kind: 'test.record', runAt: inTwelveHours }); // future, for a clock at instance time
    expect(await scheduler.drain()).toBe(1);
    expect(seen[0].job.programId).toBe(other);
    expect(seen[0].now.getTime()).toBe(h.clock.now().getTime() + 24 * hour);
    expect((await jobsRows())).toHaveLength(1);
  });

  it('a failing handler rolls back its effects and postpones the job with attempts + 1 and the error', async () => {
    const scheduler = new Scheduler({ db: h.db, clock: h.clock });
    let fail = true;
    let calls = 0;
    scheduler.register('test.flaky', async (tx, job, now) => {
      calls++;
      await tx.query(`INSERT INTO test_effects (job_id, runner, now) VALUES ($1, 'flaky', $2)`, [job.id, now]);
      if (fail) throw new Error('downstream unavailable');
    });
    await schedule({ kind: 'test.flaky', runAt: h.clock.now() });

    const failedAt = h.clock.now().getTime();
    expect(await scheduler.drain()).toBe(1); // ran once, failed: not retried at once
    expect(calls).toBe(1);
    expect(await effects()).toHaveLength(0);
    const [job] = await jobsRows();
    expect(job).toMatchObject({ attempts: 1, lastError: 'downstream unavailable' });
    expect(job.runAt.getTime()).toBeGreaterThan(h.clock.now().getTime());
    const retryAt = job.runAt.getTime();

    h.clock.set(new Date(retryAt - 1));
    expect(await scheduler.drain()).toBe(0);
    h.clock.set(new Date(retryAt));
    expect(await scheduler.drain()).toBe(1);
    expect(calls).toBe(2);
    const [again] = await jobsRows();
    expect(again).toMatchObject({ attempts: 2, lastError: 'downstream unavailable' });
    expect(again.runAt.getTime() - retryAt).toBeGreaterThan(retryAt - failedAt); // backs off

    fail = false;
    h.clock.set(again.runAt);
    expect(await scheduler.drain()).toBe(1);
    expect(await jobsRows()).toHaveLength(0);
    expect(await effects()).toHaveLength(1);
  });

  it('a long-overdue failing job is postponed from now, not retried over and over', async () => {
    const scheduler = new Scheduler({ db: h.db, clock: h.clock });
    let calls = 0;
    scheduler.register('test.broken', async () => {
      calls++;
      throw new Error('broken');
    });
    await schedule({ kind: 'test.broken', runAt: new Date(h.clock.now().getTime() - 7 * 24 * hour) });
    await scheduler.drain();
    expect(calls).toBe(1);
    const [job] = await jobsRows();
    expect(job.attempts).toBe(1);
    expect(job.runAt.getTime()).toBeGreaterThan(h.clock.now().getTime());
  });

  it('a job of a kind nobody handles is kept and postponed, with the reason', async () => {
    const { scheduler } = recordingScheduler();
    await schedule({ kind: 'test.unknown', runAt: h.clock.now() });
    expect(await scheduler.runOne()).toBe(true);
    const [job] = await jobsRows();
    expect(job.attempts).toBe(1);
    expect(job.lastError).toContain('test.unknown');
    expect(await scheduler.runOne()).toBe(false);
  });

  it('a dedupe key replaces the pending job of the same key, per program', async () => {
    const t = h.clock.now().getTime();
    await schedule({ kind: 'test.record', runAt: new Date(t + hour), payload: { v: 1 }, dedupeKey: 'lot-1' });
    await schedule({ kind: 'test.record', runAt: new Date(t + 2 * hour), payload: { v: 2 }, dedupeKey: 'lot-1' });
    await schedule({ kind: 'test.record', runAt: new Date(t + hour), payload: { v: 3 }, dedupeKey: 'lot-2' });
    await schedule({ kind: 'test.record', runAt: new Date(t + hour), payload: { v: 4 } });
    await schedule({ kind: 'test.record', runAt: new Date(t + hour), payload: { v: 5 } });
    const rows = await jobsRows();
    expect(rows.map((r) => r.payload.v).sort()).toEqual([2, 3, 4, 5]);
    expect(rows.find((r) => r.payload.v === 2)!.runAt.getTime()).toBe(t + 2 * hour);

    // The same key in another program is another job.
    const other = (await h.call('POST', '/v1/programs', { body: { name: 'Other dedupe' } })).json().id;
    await schedule({ kind: 'test.record', runAt: new Date(t + hour), payload: { v: 6 }, dedupeKey: 'lot-1', programId: other });
    expect(await jobsRows()).toHaveLength(5);

    // Unscheduling removes only that program's job of that key.
    await h.db.transaction((tx) => unscheduleJob(tx, programId, 'lot-1'));
    expect((await jobsRows()).map((r) => r.payload.v).sort()).toEqual([3, 4, 5, 6]);
  });

  it('replacing a failed job by its dedupe key starts its attempts afresh', async () => {
    const scheduler = new Scheduler({ db: h.db, clock: h.clock });
    scheduler.register('test.failing', async () => {
      throw new Error('nope');
    });
    await schedule({ kind: 'test.failing', runAt: h.clock.now(), dedupeKey: 'retry-me' });
    await scheduler.runOne();
    expect((await jobsRows())[0]).toMatchObject({ attempts: 1, lastError: 'nope' });
    await schedule({ kind: 'test.failing', runAt: h.clock.now(), dedupeKey: 'retry-me' });
    expect((await jobsRows())[0]).toMatchObject({ attempts: 0, lastError: null });
  });

  it('two schedulers draining the same database run each job exactly once', async () => {
    const one = recordingScheduler('one');
    const two = recordingScheduler('two');
    const t = h.clock.now().getTime();
    for (let i = 0; i < 40; i++) await schedule({ kind: 'test.record', runAt: new Date(t - i), payload: { i } });

    const [ranOne, ranTwo] = await Promise.all([one.scheduler.drain(), two.scheduler.drain()]);
    expect(ranOne + ranTwo).toBe(40);
    expect(one.seen.length + two.seen.length).toBe(40);
    const rows = await effects();
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.jobId)).size).toBe(40);
    expect(await jobsRows()).toHaveLength(0);
  });

  // PGlite runs one transaction at a time, so two transactions can only overlap on a server.
  it.skipIf(!process.env.DATABASE_URL)(
    'PostgreSQL: while one scheduler holds a job, another takes the next one instead of waiting (SKIP LOCKED)',
    async () => {
      const { slow, held, release } = holdingScheduler();
      const fast = recordingScheduler('fast');
      const t = h.clock.now().getTime();
      await schedule({ kind: 'test.record', runAt: new Date(t - 2), payload: { n: 1 } });
      await schedule({ kind: 'test.record', runAt: new Date(t - 1), payload: { n: 2 } });

      const slowRun = slow.runOne();
      await held; // the slow scheduler holds job 1, its transaction open
      expect(await fast.scheduler.runOne()).toBe(true);
      expect(fast.seen.map((s) => s.job.payload.n)).toEqual([2]);
      expect(await fast.scheduler.runOne()).toBe(false); // job 1 is taken, not waited for
      release();
      expect(await slowRun).toBe(true);
      const rows = await effects();
      expect(rows.map((r) => r.runner).sort()).toEqual(['fast', 'slow']);
      expect(await jobsRows()).toHaveLength(0);
    },
  );

  it.skipIf(!process.env.DATABASE_URL)(
    'PostgreSQL: a scheduler holding one program\'s job does not hold the other programs\' first jobs',
    async () => {
      const other = (await h.newProgram('Other scheduled')).id;
      const { slow, held, release } = holdingScheduler();
      const fast = recordingScheduler('fast');
      const t = h.clock.now().getTime();
      await schedule({ kind: 'test.record', runAt: new Date(t - 3), payload: { n: 'A1' } });
      await schedule({ kind: 'test.record', runAt: new Date(t - 2), payload: { n: 'B1' }, programId: other });
      await schedule({ kind: 'test.record', runAt: new Date(t - 1), payload: { n: 'B2' }, programId: other });

      const slowRun = slow.runOne();
      await held; // the slow scheduler holds A1
      expect(await fast.scheduler.runOne()).toBe(true);
      expect(await fast.scheduler.runOne()).toBe(true);
      expect(fast.seen.map((s) => s.job.payload.n)).toEqual(['B1', 'B2']);
      release();
      expect(await slowRun).toBe(true);
      expect(await jobsRows()).toHaveLength(0);
    },
  );

  it('start polls for due work; stop lets the job in hand finish', async () => {
    const scheduler = new Scheduler({ db: h.db, clock: h.clock });
    let ran!: (job: ScheduledJob) => void;
    const done = new Promise<ScheduledJob>((resolve) => (ran = resolve));
    scheduler.register('test.record', async (tx, job, now) => {
      await tx.query(`INSERT INTO test_effects (job_id, runner, now) VALUES ($1, 'loop', $2)`, [job.id, now]);
      ran(job);
    });
    await schedule({ kind: 'test.record', runAt: h.clock.now() });
    scheduler.start(60_000);
    const job = await done;
    await scheduler.stop();
    expect((await effects()).map((e) => e.jobId)).toEqual([job.id]);
    expect(await jobsRows()).toHaveLength(0);
  });
});
