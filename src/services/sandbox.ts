import { Duration } from 'luxon';
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
  const target = resolveTarget(from, input);
  const play = await scheduler.playProgramUntil(programId, target);
  const after = await loadProgram(ctx.db, principal, programId);
  return { from: from.toISOString(), target: target.toISOString(), jobsRun: play.ran, failedJob: play.failed,
    reachedTarget: play.reachedTarget, program: programView(after, ctx) };
}

function resolveTarget(from: Date, input: { by?: string; to?: string }): Date {
  if ((input.by === undefined) === (input.to === undefined)) {
    throw invalidInput('/by', 'give exactly one of "by" (an ISO 8601 duration such as P1M) or "to" (a date-time)');
  }
  if (input.by !== undefined) {
    const duration = Duration.fromISO(input.by);
    if (!duration.isValid) throw invalidInput('/by', `"${input.by}" is not an ISO 8601 duration such as PT1H or P1M`);
    const target = new Date(from.getTime() + duration.as('milliseconds'));
    if (target.getTime() <= from.getTime()) throw invalidInput('/by', 'must move the clock forward');
    return target;
  }
  const target = new Date(input.to!);
  if (Number.isNaN(target.getTime())) throw invalidInput('/to', `"${input.to}" is not a date-time`);
  if (target.getTime() < from.getTime()) throw invalidInput('/to', `is before the program's current time ${from.toISOString()}`);
  return target;
}
