import { IANAZone } from 'luxon';
import { programNow } from '../clock/clock.ts';
import { uuidv7 } from '../domain/ids.ts';
import { forbidden, invalidInput, notFound } from '../domain/problem.ts';
import { defaultProgramSettings, mergeProgramSettings, type ProgramSettingsPatch } from '../domain/program-settings.ts';
import type { Queryable } from '../storage/db.ts';
import { toPage, type PageRequest } from '../storage/pagination.ts';
import * as programs from '../storage/programs.ts';
import type { ProgramRow } from '../storage/programs.ts';
import type { Principal, ServiceContext } from './context.ts';

export interface ProgramInput {
  name?: string;
  timezone?: string;
  settings?: ProgramSettingsPatch;
}

export function programView(row: ProgramRow, ctx: ServiceContext) {
  return {
    id: row.id,
    name: row.name,
    timezone: row.timezone,
    settings: mergeProgramSettings(row.settings, undefined),
    clock: { now: programNow(ctx.clock, row).toISOString(), offsetMs: row.clockOffsetMs },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type ProgramView = ReturnType<typeof programView>;

function checkSettings(settings: ProgramSettingsPatch | undefined): void {
  const priority = settings?.members?.matchingPriority;
  if (priority && new Set(priority).size !== priority.length) {
    throw invalidInput('/settings/members/matchingPriority', 'lists an identifier twice');
  }
  const pattern = settings?.members?.cardIdPattern;
  if (pattern && !/[#A]/.test(pattern)) {
    throw invalidInput('/settings/members/cardIdPattern', 'needs at least one # (digit) or A (letter) to vary');
  }
}

function checkTimezone(timezone: string): void {
  if (!IANAZone.isValidZone(timezone)) throw invalidInput('/timezone', `"${timezone}" is not an IANA time zone`);
}

export function assertProgramAccess(principal: Principal, programId: string): void {
  if (principal.kind === 'program' && principal.programId !== programId) {
    throw forbidden('this key belongs to another program');
  }
}

/** Loads a program the caller may see, or fails with 404/403. */
export async function loadProgram(tx: Queryable, principal: Principal, programId: string, forUpdate = false) {
  assertProgramAccess(principal, programId);
  const row = await programs.findProgram(tx, programId, { forUpdate });
  if (!row) throw notFound('program', programId);
  return row;
}

export async function createProgram(ctx: ServiceContext, input: Required<Pick<ProgramInput, 'name'>> & ProgramInput) {
  const timezone = input.timezone ?? 'UTC';
  checkTimezone(timezone);
  checkSettings(input.settings);
  const now = ctx.clock.now();
  const row: ProgramRow = {
    id: uuidv7(now),
    name: input.name,
    timezone,
    settings: mergeProgramSettings(defaultProgramSettings, input.settings),
    clockOffsetMs: 0,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.transaction((tx) => programs.insertProgram(tx, row));
  return programView(row, ctx);
}

export async function getProgram(ctx: ServiceContext, principal: Principal, programId: string) {
  return programView(await loadProgram(ctx.db, principal, programId), ctx);
}

export async function listPrograms(ctx: ServiceContext, principal: Principal, page: PageRequest) {
  const onlyId = principal.kind === 'program' ? principal.programId : null;
  const rows = await programs.listPrograms(ctx.db, page, onlyId);
  return toPage(rows, page.limit, (row) => programView(row, ctx));
}

export async function updateProgram(ctx: ServiceContext, principal: Principal, programId: string, input: ProgramInput) {
  if (input.timezone !== undefined) checkTimezone(input.timezone);
  checkSettings(input.settings);
  return ctx.db.transaction(async (tx) => {
    const current = await loadProgram(tx, principal, programId, true);
    const next: ProgramRow = {
      ...current,
      name: input.name ?? current.name,
      timezone: input.timezone ?? current.timezone,
      settings: mergeProgramSettings(current.settings, input.settings),
      updatedAt: ctx.clock.now(),
    };
    await programs.updateProgram(tx, next);
    return programView(next, ctx);
  });
}
