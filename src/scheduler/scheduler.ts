import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.ts';
import type { Db, Queryable } from '../storage/db.ts';
import * as jobs from '../storage/scheduled-jobs.ts';
import type { ScheduledJob } from '../storage/scheduled-jobs.ts';

/**
 * Runs one due job inside the transaction that claimed it: the job's effects, the events they
 * emit and the removal of the job commit together, so a job is done exactly once or not at all.
 * `now` is the program's clock at the moment the job runs.
 */
export type JobHandler = (tx: Queryable, job: ScheduledJob, now: Date) => Promise<void>;

export interface FailedJob {
  jobId: string;
  kind: string;
  runAt: string;
  error: string;
}
export interface PlayResult {
  ran: number;
  failed: FailedJob | null;
  reachedTarget: boolean;
}
type RunOutcome = { kind: 'none' } | { kind: 'ran' } | { kind: 'failed'; failed: FailedJob };

const retryDelayMs = (attempts: number) => Math.min(2 ** attempts * 10_000, 3_600_000);

export class Scheduler {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #handlers = new Map<string, JobHandler>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: { db: Db; clock: Clock; logger?: Logger }) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#log = options.logger;
  }

  register(kind: string, handler: JobHandler): void {
    if (this.#handlers.has(kind)) throw new Error(`a handler for job kind "${kind}" is already registered`);
    this.#handlers.set(kind, handler);
  }

  /** Claims and runs one due job; false when nothing was due. */
  async runOne(): Promise<boolean> {
    const outcome = await this.#runClaimed((tx) => jobs.claimDueJob(tx, this.#clock.now()), (job, offsetMs) =>
      new Date(this.#clock.now().getTime() + offsetMs));
    return outcome.kind !== 'none';
  }

  /** Runs due jobs until none is left or `max` ran. Returns how many ran. */
  async drain(max = 10_000): Promise<number> {
    let count = 0;
    while (count < max && (await this.runOne())) count++;
    return count;
  }

  /**
   * Sandbox time travel: plays one program's schedule up to `target` in due order, setting the
   * program's clock to each job's due time before running it, so every job sees the moment it
   * was meant for; then leaves the clock at `target`.
   */
  async playProgramUntil(programId: string, target: Date, maxJobs = 100_000): Promise<PlayResult> {
    let ran = 0;
    while (ran < maxJobs) {
      const outcome = await this.#runClaimed(
        async (tx) => {
          const job = await jobs.claimProgramJobUntil(tx, programId, target);
          if (job) await this.#moveProgramClockTo(tx, programId, job.runAt);
          return job;
        },
        (job) => job.runAt,
      );
      if (outcome.kind === 'none') break;
      // A failing job stops the play where it failed: time must not run past work left undone.
      if (outcome.kind === 'failed') return { ran, failed: outcome.failed, reachedTarget: false };
      ran++;
    }
    if (ran >= maxJobs) return { ran, failed: null, reachedTarget: false };
    await this.#db.transaction((tx) => this.#moveProgramClockTo(tx, programId, target));
    return { ran, failed: null, reachedTarget: true };
  }

  async #moveProgramClockTo(tx: Queryable, programId: string, at: Date): Promise<void> {
    // GREATEST: a program's clock never runs backwards.
    await tx.query(
      `UPDATE programs SET clock_offset_ms = GREATEST(clock_offset_ms, $2::bigint) WHERE id = $1`,
      [programId, at.getTime() - this.#clock.now().getTime()],
    );
  }

  async #runClaimed(
    claim: (tx: Queryable) => Promise<ScheduledJob | undefined>,
    nowFor: (job: ScheduledJob, offsetMs: number) => Date,
  ): Promise<RunOutcome> {
    let claimed: ScheduledJob | undefined;
    let jobNow: Date | undefined;
    try {
      return await this.#db.transaction(async (tx): Promise<RunOutcome> => {
        claimed = await claim(tx);
        if (!claimed) return { kind: 'none' };
        const [{ offset }] = await tx.query<{ offset: number }>(
          `SELECT clock_offset_ms AS "offset" FROM programs WHERE id = $1`,
          [claimed.programId],
        );
        jobNow = nowFor(claimed, offset);
        const handler = this.#handlers.get(claimed.kind);
        if (!handler) throw new Error(`no handler for job kind "${claimed.kind}"`);
        await handler(tx, claimed, jobNow);
        await jobs.deleteJob(tx, claimed.id);
        return { kind: 'ran' };
      });
    } catch (error) {
      if (!claimed) throw error;
      const job: ScheduledJob = claimed;
      const message = error instanceof Error ? error.message : String(error);
      this.#log?.error({ jobId: job.id, kind: job.kind, err: error }, 'scheduled job failed');
      // The retry waits from the moment the job ran (program time), not from its due time: a job
      // found long overdue must not be retried at once again and again.
      const ranAt = Math.max(job.runAt.getTime(), jobNow?.getTime() ?? 0);
      await this.#db.transaction((tx) =>
        jobs.postponeFailedJob(tx, job.id, new Date(ranAt + retryDelayMs(job.attempts + 1)), message),
      );
      return { kind: 'failed', failed: { jobId: job.id, kind: job.kind, runAt: job.runAt.toISOString(), error: message } };
    }
  }

  /** Polls for due work until stopped. */
  start(pollMs = 1000): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          if (await this.runOne()) continue;
        } catch (error) {
          this.#log?.error({ err: error }, 'scheduler poll failed');
        }
        if (!this.#running) break; // stopped while a job ran: no last poll interval to wait out
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  /** Lets the job in hand finish, then stops polling. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }
}
