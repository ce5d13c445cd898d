import { DateTime, Duration } from 'luxon';
import { programNow } from '../clock/clock.ts';
import { forbidden, invalidInput } from '../domain/problem.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Principal, ServiceContext } from './context.ts';
import { loadProgram, programView } from './programs.ts';

/**
 * Moves a program's clock forward (sandbox only) and plays every job that falls due on the way,
 * so a year of a program can be watched in seconds. Each job runs in its own transaction.
 */
export async function advanceProgramClock(
  ctx: ServiceContext,
  scheduler: Scheduler,
  principal: Principal,
  programId: string,
  input: { by?: string; to?: string },
) {
  if (!ctx.sandbox) throw forbidden('time travel is only available in sandbox mode');
  const program = await loadProgram(ctx.db, principal, programId);
  const from = programNow(ctx.clock, program);
  const target = resolveTarget(from, program.timezone, input);
  const play = await scheduler.playProgramUntil(programId, target);
  const after = await loadProgram(ctx.db, principal, programId);
  return { from: from.toISOString(), target: target.toISOString(), jobsRun: play.ran, failedJob: play.failed,
    reachedTarget: play.reachedTarget, program: programView(after, ctx) };
}

/** The furthest a program clock may go: timestamps stay within four-digit years. */
const latestTarget = Date.parse('9999-12-31T23:59:59.999Z');

function resolveTarget(from: Date, timezone: string, input: { by?: string; to?: string }): Date {
  if ((input.by === undefined) === (input.to === undefined)) {
    throw invalidInput('/by', 'give exactly one of "by" (an ISO 8601 duration such as P1M) or "to" (a date-time)');
  }
  if (input.by !== undefined) {
    const duration = Duration.fromISO(input.by);
    if (!duration.isValid) throw invalidInput('/by', `"${input.by}" is not an ISO 8601 duration such as PT1H or P1M`);
    // Calendar arithmetic in the program's time zone: P1M is a calendar month, P1D keeps the
    // wall-clock time across a daylight-saving change.
    const target = DateTime.fromJSDate(from, { zone: timezone }).plus(duration).toJSDate();
    if (!(target.getTime() <= latestTarget)) throw invalidInput('/by', 'moves the clock past the year 9999');
    if (target.getTime() <= from.getTime()) throw invalidInput('/by', 'must move the clock forward');
    return target;
  }
  const target = new Date(input.to!);
  if (Number.isNaN(target.getTime())) throw invalidInput('/to', `"${input.to}" is not a date-time`);
  if (target.getTime() > latestTarget) throw invalidInput('/to', 'is past the year 9999');
  if (target.getTime() < from.getTime()) throw invalidInput('/to', `is before the program's current time ${from.toISOString()}`);
  return target;
}
