import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import { applyDefinitionInput, newDefinition, type DefinitionCreate, type DefinitionInput } from '../../domain/ledger/definition-rules.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { conflict, notFound } from '../../domain/problem.ts';
import type { Queryable } from '../../storage/db.ts';
import * as definitions from '../../storage/ledger/definitions.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';

/**
 * Balance definitions (wallet types). They are never deleted: balances, lots and past events
 * refer to them. Shapes (types, enumerations, known fields) are the HTTP schema's business;
 * every rule on values is checked here, so the CLI and imports get the same 422 answers.
 */

export function definitionView(d: BalanceDefinition) {
  return {
    id: d.id,
    name: d.name,
    unit: d.unit,
    decimals: d.decimals,
    metadata: d.metadata,
    minimum: d.minimum,
    maximum: d.maximum,
    maximumStrategy: d.maximumStrategy,
    creditCap: d.creditCap,
    debitCap: d.debitCap,
    creditRounding: d.creditRounding,
    debitRounding: d.debitRounding,
    expiry: d.expiry,
    pendingDays: d.pendingDays,
    velocityLimits: d.velocityLimits,
    reminderDaysBefore: d.reminderDaysBefore,
    allowNegativeBalance: d.allowNegativeBalance,
    isDefault: d.isDefault,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export type DefinitionView = ReturnType<typeof definitionView>;

/**
 * Serialises changes of a program's default: without it two first definitions created at once
 * would both become the default and one would fail on the unique index. NO KEY UPDATE leaves the
 * foreign-key locks of concurrent inserts elsewhere in the program unblocked.
 */
async function lockProgramDefaults(tx: Queryable, programId: string) {
  await tx.query(`SELECT 1 FROM programs WHERE id = $1 FOR NO KEY UPDATE`, [programId]);
}

/**
 * Clears the current default, locked first: a PATCH of that definition saves every column, so
 * it must not run on a copy read before the default moved.
 */
async function clearDefault(tx: Queryable, programId: string, now: Date) {
  await tx.query(`SELECT 1 FROM balance_definitions WHERE program_id = $1 AND is_default FOR UPDATE`, [programId]);
  const current = await definitions.findDefaultDefinition(tx, programId);
  if (current) await definitions.saveDefinition(tx, { ...current, isDefault: false, updatedAt: now });
}

async function loadDefinition(tx: Queryable, programId: string, id: string, forUpdate = false) {
  if (forUpdate) {
    // FOR UPDATE also waits for (and then sees) a balance being created on this definition,
    // whose foreign key takes a KEY SHARE lock on the row.
    await tx.query(`SELECT 1 FROM balance_definitions WHERE program_id = $1 AND id = $2 FOR UPDATE`, [programId, id]);
  }
  const definition = await definitions.findDefinition(tx, programId, id);
  if (!definition) throw notFound('balance definition', id);
  return definition;
}

/** Key order differs between what was sent and what jsonb gives back: compare sorted. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function createDefinition(ctx: ServiceContext, programId: string, input: DefinitionCreate) {
  return ctx.db.transaction(async (tx) => {
    const { now } = await programScope(tx, ctx, programId, 'api');
    const definition = newDefinition(input, { id: uuidv7(now), programId, now });
    await lockProgramDefaults(tx, programId);
    const hasDefault = (await definitions.findDefaultDefinition(tx, programId)) !== undefined;
    if (hasDefault && input.isDefault) await clearDefault(tx, programId, now);
    definition.isDefault = !hasDefault || input.isDefault === true;
    await definitions.insertDefinition(tx, definition);
    return definitionView(definition);
  });
}

export async function getDefinition(ctx: ServiceContext, programId: string, id: string) {
  return definitionView(await loadDefinition(ctx.db, programId, id));
}

export async function listDefinitions(ctx: ServiceContext, programId: string, page: PageRequest) {
  return toPage(await definitions.listDefinitions(ctx.db, programId, page), page.limit, definitionView);
}

/**
 * Changes what is given; `null` clears a nullable limit. New rules apply to what happens next:
 * lots already credited keep their expiry. Unit and decimals are fixed once a balance uses the
 * definition, since its stored amounts are minor units of that unit.
 */
export async function updateDefinition(ctx: ServiceContext, programId: string, id: string, input: DefinitionInput) {
  return ctx.db.transaction(async (tx) => {
    const { now } = await programScope(tx, ctx, programId, 'api');
    const current = await loadDefinition(tx, programId, id, true);
    const next = applyDefinitionInput(current, input);
    const fixed = (['unit', 'decimals'] as const).find((field) => next[field] !== current[field]);
    if (fixed && (await tx.query(`SELECT 1 FROM balances WHERE program_id = $1 AND definition_id = $2 LIMIT 1`, [programId, id])).length > 0) {
      throw conflict(`${fixed} cannot change: balances already hold amounts in this definition's minor units`, `/${fixed}`);
    }
    // A PATCH that changes nothing leaves updatedAt alone, so clients can re-send settings freely.
    if (canonical(definitionView(next)) === canonical(definitionView(current))) return definitionView(current);
    next.updatedAt = now;
    await definitions.saveDefinition(tx, next);
    return definitionView(next);
  });
}

/** Makes a definition the program's default, clearing the previous one in the same transaction. */
export async function setDefault(ctx: ServiceContext, programId: string, id: string) {
  return ctx.db.transaction(async (tx) => {
    const { now } = await programScope(tx, ctx, programId, 'api');
    await lockProgramDefaults(tx, programId);
    const current = await loadDefinition(tx, programId, id, true);
    if (current.isDefault) return definitionView(current);
    await clearDefault(tx, programId, now);
    const next = { ...current, isDefault: true, updatedAt: now };
    await definitions.saveDefinition(tx, next);
    return definitionView(next);
  });
}
