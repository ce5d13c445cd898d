import { programNow } from '../clock/clock.ts';
import { notFound } from '../domain/problem.ts';
import { mergeProgramSettings } from '../domain/program-settings.ts';
import type { EmitContext } from '../outbox/emit.ts';
import type { Queryable } from '../storage/db.ts';
import { findProgramForUseCase, type ProgramRow } from '../storage/programs.ts';
import type { ServiceContext } from './context.ts';

export interface ProgramScope {
  program: ProgramRow;
  /** The program's clock now: when the use case happens. */
  now: Date;
  emit: EmitContext;
  /** Whether the program had real-time tier groups when the scope was opened (groups change in their own transactions). */
  hasRealtimeTierGroups: boolean;
}

/** The program a use case acts in, its clock, and the context its events are emitted with. */
export async function programScope(tx: Queryable, ctx: ServiceContext, programId: string, source: string): Promise<ProgramScope> {
  const found = await findProgramForUseCase(tx, programId);
  if (!found) throw notFound('program', programId);
  const { hasRealtimeTierGroups, ...row } = found;
  const program = { ...row, settings: mergeProgramSettings(row.settings, undefined) };
  const now = programNow(ctx.clock, program);
  return { program, now, emit: { program: { id: program.id, name: program.name }, occurredAt: now, now: ctx.clock.now(), source }, hasRealtimeTierGroups };
}
