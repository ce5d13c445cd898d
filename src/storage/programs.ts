import type { Queryable } from './db.ts';
import type { PageRequest } from './pagination.ts';
import { runWrites } from './writes.ts';

export type IdentifierName = 'email' | 'phone' | 'cardId';

export interface IdentifierRule {
  required: boolean;
  unique: boolean;
}

export interface ProgramSettings {
  expiringNotifications: {
    /** Days before units expire that PointsWillExpire / balance_expiration_reminder fire. */
    unitsDaysBefore: number;
    couponsDaysBefore: number;
    tiersDaysBefore: number;
  };
  members: {
    identifiers: Record<IdentifierName, IdentifierRule>;
    /** Order in which purchase transactions look for their member. */
    matchingPriority: IdentifierName[];
    /** Card numbers generated for members who come without one: `#` a digit, `A` a letter; null: none. */
    cardIdPattern: string | null;
    activationCodeTtlMinutes: number;
    /** Wrong activation codes allowed before the code is void and a new one must be requested. */
    activationMaxAttempts: number;
    passwordResetTtlMinutes: number;
    /** Days before each yearly membership anniversary that membership_anniversary_reminder fires. */
    anniversaryReminderDaysBefore: number;
  };
}

export interface ProgramRow {
  id: string;
  name: string;
  timezone: string;
  settings: ProgramSettings;
  clockOffsetMs: number;
  createdAt: Date;
  updatedAt: Date;
}

const columns = `id, name, timezone, settings, clock_offset_ms AS "clockOffsetMs",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** A program and its event counter (migration 0014), in one statement. */
export async function insertProgram(tx: Queryable, program: ProgramRow): Promise<void> {
  await runWrites(tx, [
    {
      sql: `INSERT INTO programs (id, name, timezone, settings, clock_offset_ms, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      params: [program.id, program.name, program.timezone, JSON.stringify(program.settings), program.clockOffsetMs,
        program.createdAt, program.updatedAt],
    },
    { sql: `INSERT INTO event_sequences (program_id, last_sequence) VALUES ($1, 0)`, params: [program.id] },
  ]);
}

export async function findProgram(tx: Queryable, id: string, options: { forUpdate?: boolean } = {}) {
  const rows = await tx.query<ProgramRow>(
    `SELECT ${columns} FROM programs WHERE id = $1 ${options.forUpdate ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

/**
 * A program as a use case opens it, with whether it has real-time tier groups: a balance change
 * in a program without any then spares the query for them (most ledger requests).
 */
export async function findProgramForUseCase(tx: Queryable, id: string) {
  const rows = await tx.query<ProgramRow & { hasRealtimeTierGroups: boolean }>(
    `SELECT ${columns}, EXISTS (SELECT 1 FROM tier_groups g WHERE g.program_id = programs.id AND g.realtime) AS "hasRealtimeTierGroups"
     FROM programs WHERE id = $1`,
    [id],
  );
  return rows[0];
}

/** `onlyId` restricts the list to one program (what a program key may see). */
export async function listPrograms(tx: Queryable, page: PageRequest, onlyId: string | null) {
  return tx.query<ProgramRow>(
    `SELECT ${columns} FROM programs
     WHERE ($1::uuid IS NULL OR id > $1) AND ($2::uuid IS NULL OR id = $2)
     ORDER BY id LIMIT $3`,
    [page.after, onlyId, page.limit + 1],
  );
}

export async function updateProgram(tx: Queryable, program: ProgramRow): Promise<void> {
  await tx.query(
    `UPDATE programs SET name = $2, timezone = $3, settings = $4, clock_offset_ms = $5, updated_at = $6
     WHERE id = $1`,
    [program.id, program.name, program.timezone, JSON.stringify(program.settings), program.clockOffsetMs,
      program.updatedAt],
  );
}
