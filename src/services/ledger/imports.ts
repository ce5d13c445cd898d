import { Compile } from 'typebox/compile';
import { Type } from 'typebox';
import { readImportRows } from '../../domain/imports/rows.ts';
import { rowSchemaError } from '../../domain/imports/schema-errors.ts';
import { Problem } from '../../domain/problem.ts';
import { importedRefs, isExternalRefTaken } from '../../storage/ledger/transactions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { openBalance } from './ledger-scope.ts';
import { LedgerRefusal, createInScope } from './transactions.ts';

export const maxImportRows = 100_000;
/** Rows applied per database transaction; each row has its own savepoint. */
const chunkSize = 500;

const ImportRow = Type.Object(
  {
    ref: Type.String({ minLength: 1, maxLength: 150 }),
    memberId: Type.Optional(Type.String({ format: 'uuid' })),
    loyaltySubscriptionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    balanceDefinitionId: Type.Optional(Type.String({ format: 'uuid' })),
    kind: Type.Enum(['credit', 'debit']),
    amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
const checkRow = Compile(ImportRow);
type Row = { ref: string; memberId?: string; loyaltySubscriptionId?: string; balanceDefinitionId?: string; kind: 'credit' | 'debit'; amount: number; comment?: string };

export interface ImportReport {
  rows: number;
  applied: number;
  skipped: { line: number; ref: string; reason: string }[];
  errors: { line: number; field: string | null; message: string }[];
}

export function rowProblem(error: unknown): { field: string | null; message: string } {
  if (error instanceof Problem) return { field: error.errors[0]?.field ?? null, message: error.errors[0]?.message ?? error.message };
  throw error;
}

/**
 * Imports unit transfers: every row is validated; good rows are applied, completed at once, with
 * their events (reason `import`); bad ones are reported by line. Each row's `ref` is kept as
 * the transaction's external reference, so running the same file again applies nothing twice.
 */
export async function importTransfers(ctx: ServiceContext, programId: string, body: string, format: 'jsonl' | 'csv') {
  const parsed = readImportRows(body, format, new Set(['amount']), maxImportRows);
  const report: ImportReport = { rows: parsed.length, applied: 0, skipped: [], errors: [] };
  const valid: { line: number; row: Row }[] = [];
  const seen = new Set<string>();
  for (const { line, fields, error } of parsed) {
    if (error) {
      report.errors.push({ line, field: null, message: error });
      continue;
    }
    if (!checkRow.Check(fields)) {
      const known = ['ref', 'memberId', 'loyaltySubscriptionId', 'balanceDefinitionId', 'kind', 'amount', 'comment'];
      report.errors.push({ line, ...rowSchemaError([...checkRow.Errors(fields)][0], known) });
      continue;
    }
    const row = fields as Row;
    if (!row.memberId && !row.loyaltySubscriptionId) {
      report.errors.push({ line, field: '/memberId', message: 'give memberId or loyaltySubscriptionId' });
      continue;
    }
    if (seen.has(row.ref)) {
      report.errors.push({ line, field: '/ref', message: 'appears twice in this file' });
      continue;
    }
    seen.add(row.ref);
    valid.push({ line, row });
  }

  for (let start = 0; start < valid.length; start += chunkSize) {
    const chunk = valid.slice(start, start + chunkSize);
    const outcome = await withDeadlockRetry(() => importChunk(ctx, programId, chunk));
    report.applied += outcome.applied;
    report.skipped.push(...outcome.skipped);
    report.errors.push(...outcome.errors);
  }
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}

/** One chunk in one transaction; its report counts only once the transaction has committed. */
async function importChunk(ctx: ServiceContext, programId: string, chunk: { line: number; row: Row }[]) {
  const outcome: Omit<ImportReport, 'rows'> = { applied: 0, skipped: [], errors: [] };
  await ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'import');
    // One look-up per chunk for the rows a previous run already applied.
    const done = await importedRefs(tx, programId, chunk.map(({ row }) => `import:${row.ref}`));
    for (const { line, row } of chunk) {
      const externalRef = `import:${row.ref}`;
      if (done.has(externalRef)) {
        outcome.skipped.push({ line, ref: row.ref, reason: 'already imported' });
        continue;
      }
      await tx.query('SAVEPOINT import_row');
      try {
        const ls = await openBalance(tx, scope, row);
        const result = await createInScope(tx, ls, { ...row, reason: 'import', autoComplete: true, externalRef });
        if (result instanceof LedgerRefusal) outcome.errors.push({ line, field: result.errors[0]?.field ?? '/amount', message: result.message });
        else outcome.applied++;
        await tx.query('RELEASE SAVEPOINT import_row');
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT import_row');
        if (isDeadlock(error)) throw error; // the whole chunk is retried
        // Applied meanwhile by another run of the same file.
        if (isExternalRefTaken(error)) outcome.skipped.push({ line, ref: row.ref, reason: 'already imported' });
        else outcome.errors.push({ line, ...rowProblem(error) });
      }
    }
  });
  return outcome;
}

export const isDeadlock = (error: unknown) => ['40P01', '40001'].includes((error as { code?: string })?.code ?? '');

/**
 * Rows of an import lock balances in file order, so two imports (or an import and a sweep) may
 * deadlock; PostgreSQL then aborts one of them. The aborted chunk has changed nothing and is run again.
 */
export async function withDeadlockRetry<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= attempts) throw error;
    }
  }
}
