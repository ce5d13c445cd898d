import { Compile } from 'typebox/compile';
import { Type } from 'typebox';
import { parseCsv, parseJsonLines, type ParsedRow } from '../../domain/imports/rows.ts';
import { Problem, invalidInput } from '../../domain/problem.ts';
import { findTransactionByRef } from '../../storage/ledger/transactions.ts';
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
    kind: Type.Union([Type.Literal('credit'), Type.Literal('debit')]),
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

function rowProblem(error: unknown): { field: string | null; message: string } {
  if (error instanceof Problem) return { field: error.errors[0]?.field ?? null, message: error.errors[0]?.message ?? error.message };
  throw error;
}

/**
 * Imports unit transfers: every row is validated; good rows are applied, completed at once, with
 * their events (reason `import`); bad ones are reported by line. Each row's `ref` is kept as
 * the transaction's external reference, so running the same file again applies nothing twice.
 */
export async function importTransfers(ctx: ServiceContext, programId: string, body: string, format: 'jsonl' | 'csv') {
  const parsed: ParsedRow[] = format === 'csv' ? parseCsv(body, new Set(['amount'])) : parseJsonLines(body);
  if (parsed.length === 0) throw invalidInput('/body', 'holds no rows');
  if (parsed.length > maxImportRows) throw invalidInput('/body', `holds ${parsed.length} rows; at most ${maxImportRows} per request`);
  const report: ImportReport = { rows: parsed.length, applied: 0, skipped: [], errors: [] };
  const valid: { line: number; row: Row }[] = [];
  const seen = new Set<string>();
  for (const { line, fields, error } of parsed) {
    if (error) {
      report.errors.push({ line, field: null, message: error });
      continue;
    }
    if (!checkRow.Check(fields)) {
      const first = [...checkRow.Errors(fields)][0];
      const field = first.keyword === 'required' ? `/${(first.params as { requiredProperties: string[] }).requiredProperties[0]}` : first.instancePath || null;
      report.errors.push({ line, field, message: first.keyword === 'required' ? 'is required' : first.message });
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
    await ctx.db.transaction(async (tx) => {
      const scope = await programScope(tx, ctx, programId, 'import');
      for (const { line, row } of valid.slice(start, start + chunkSize)) {
        const externalRef = `import:${row.ref}`;
        if (await findTransactionByRef(tx, programId, externalRef)) {
          report.skipped.push({ line, ref: row.ref, reason: 'already imported' });
          continue;
        }
        await tx.query('SAVEPOINT import_row');
        try {
          const ls = await openBalance(tx, scope, row);
          const result = await createInScope(tx, ls, { ...row, reason: 'import', autoComplete: true, externalRef });
          if (result instanceof LedgerRefusal) report.errors.push({ line, field: '/amount', message: result.message });
          else report.applied++;
          await tx.query('RELEASE SAVEPOINT import_row');
        } catch (error) {
          await tx.query('ROLLBACK TO SAVEPOINT import_row');
          report.errors.push({ line, ...rowProblem(error) });
        }
      }
    });
  }
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}

