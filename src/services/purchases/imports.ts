import { Compile } from 'typebox/compile';
import { readImportRows } from '../../domain/imports/rows.ts';
import { rowSchemaError } from '../../domain/imports/schema-errors.ts';
import { PurchaseInput } from '../../domain/purchases/document.ts';
import { registeredDocuments, isDocumentTaken } from '../../storage/purchases/transactions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { isDeadlock, maxImportRows, rowProblem, withDeadlockRetry, type ImportReport } from '../ledger/imports.ts';
import { registerInTransaction } from './register.ts';

const checkRow = Compile(PurchaseInput);
const chunkSize = 200;
const known = Object.keys(PurchaseInput.properties);

/** CSV has no nesting: customer fields are columns `customer.email` etc., items a JSON array in one cell. */
function fromCsv(fields: Record<string, unknown>): Record<string, unknown> | string {
  const row: Record<string, unknown> = {};
  const customer: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith('customer.')) customer[name.slice('customer.'.length)] = value;
    else if (name === 'items' || name === 'customAttributes') {
      try {
        row[name] = JSON.parse(String(value));
      } catch {
        return `${name} is not valid JSON`;
      }
    } else row[name] = value;
  }
  if (Object.keys(customer).length > 0) row.customer = customer;
  return row;
}

/**
 * Imports purchase documents (JSON lines: one API body per line; or CSV): every row is
 * validated; good rows are registered in file order with their events and campaigns, bad ones
 * reported by line. A document number registered already is skipped, so re-runs apply nothing twice.
 */
export async function importPurchases(ctx: ServiceContext, programId: string, body: string, format: 'jsonl' | 'csv') {
  const parsed = readImportRows(body, format, new Set(['grossTotal']), maxImportRows);
  const report: ImportReport = { rows: parsed.length, applied: 0, skipped: [], errors: [] };
  const valid: { line: number; row: PurchaseInput }[] = [];
  const seen = new Set<string>();
  for (const { line, fields, error } of parsed) {
    const row = fields && format === 'csv' ? fromCsv(fields) : fields;
    if (error || typeof row === 'string' || !row) {
      report.errors.push({ line, field: null, message: error ?? (row as string) });
      continue;
    }
    if (!checkRow.Check(row)) {
      report.errors.push({ line, ...rowSchemaError([...checkRow.Errors(row)][0], known) });
      continue;
    }
    const input = row as PurchaseInput;
    if (seen.has(input.documentNumber)) {
      report.errors.push({ line, field: '/documentNumber', message: 'appears twice in this file' });
      continue;
    }
    seen.add(input.documentNumber);
    valid.push({ line, row: input });
  }
  for (let start = 0; start < valid.length; start += chunkSize) {
    const outcome = await withDeadlockRetry(() => importChunk(ctx, programId, valid.slice(start, start + chunkSize)));
    report.applied += outcome.applied;
    report.skipped.push(...outcome.skipped);
    report.errors.push(...outcome.errors);
  }
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}

async function importChunk(ctx: ServiceContext, programId: string, chunk: { line: number; row: PurchaseInput }[]) {
  const outcome: Omit<ImportReport, 'rows'> = { applied: 0, skipped: [], errors: [] };
  await ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'import');
    const done = await registeredDocuments(tx, programId, chunk.map(({ row }) => row.documentNumber));
    for (const { line, row } of chunk) {
      if (done.has(row.documentNumber)) {
        outcome.skipped.push({ line, ref: row.documentNumber, reason: 'already registered' });
        continue;
      }
      await tx.query('SAVEPOINT import_row');
      try {
        await registerInTransaction(tx, scope, row, 'import');
        outcome.applied++;
        await tx.query('RELEASE SAVEPOINT import_row');
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT import_row');
        if (isDeadlock(error)) throw error;
        if (isDocumentTaken(error)) outcome.skipped.push({ line, ref: row.documentNumber, reason: 'already registered' });
        else outcome.errors.push({ line, ...rowProblem(error) });
      }
    }
  });
  return outcome;
}
