import type { Queryable } from '../db.ts';
import type { PageRequest } from '../pagination.ts';
import { runWrites, type Write } from '../writes.ts';

export type TransactionKind = 'credit' | 'debit' | 'block' | 'unblock';
export type TransactionStatus = 'pending' | 'completed' | 'cancelled' | 'expired';

export interface LedgerTransactionRow {
  id: string;
  programId: string;
  balanceId: string;
  kind: TransactionKind;
  reason: string;
  amount: number;
  status: TransactionStatus;
  availableAt: Date | null;
  pendingExpiresAt: Date | null;
  reversesId: string | null;
  transferId: string | null;
  blockId: string | null;
  comment: string | null;
  externalRef: string | null;
  createdAt: Date;
  completedAt: Date | null;
  updatedAt: Date;
}

const columns = `t.id, t.program_id AS "programId", t.balance_id AS "balanceId", t.kind, t.reason, t.amount, t.status,
  t.available_at AS "availableAt", t.pending_expires_at AS "pendingExpiresAt", t.reverses_id AS "reversesId",
  t.transfer_id AS "transferId", t.block_id AS "blockId", t.comment, t.external_ref AS "externalRef",
  t.created_at AS "createdAt", t.completed_at AS "completedAt", t.updated_at AS "updatedAt"`;

/** The INSERT of transactions, to be sent with the writes that go with them (runWrites). */
export function insertTransactionsWrite(rows: readonly LedgerTransactionRow[]): Write {
  const column = <T>(pick: (t: LedgerTransactionRow) => T) => rows.map(pick);
  return {
    sql: `INSERT INTO ledger_transactions (id, program_id, balance_id, kind, reason, amount, status, available_at, pending_expires_at,
       reverses_id, transfer_id, block_id, comment, external_ref, created_at, completed_at, updated_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::timestamptz[],
       $9::timestamptz[], $10::uuid[], $11::uuid[], $12::uuid[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[],
       $17::timestamptz[])`,
    params: [column((t) => t.id), column((t) => t.programId), column((t) => t.balanceId), column((t) => t.kind), column((t) => t.reason),
      column((t) => t.amount), column((t) => t.status), column((t) => t.availableAt), column((t) => t.pendingExpiresAt),
      column((t) => t.reversesId), column((t) => t.transferId), column((t) => t.blockId), column((t) => t.comment),
      column((t) => t.externalRef), column((t) => t.createdAt), column((t) => t.completedAt), column((t) => t.updatedAt)],
  };
}

export const insertTransactionWrite = (t: LedgerTransactionRow): Write => insertTransactionsWrite([t]);

export async function insertTransaction(tx: Queryable, t: LedgerTransactionRow): Promise<void> {
  await runWrites(tx, [insertTransactionWrite(t)]);
}

export async function saveTransactionState(tx: Queryable, t: LedgerTransactionRow): Promise<void> {
  await tx.query(
    `UPDATE ledger_transactions SET status = $2, amount = $3, completed_at = $4, updated_at = $5 WHERE id = $1`,
    [t.id, t.status, t.amount, t.completedAt, t.updatedAt],
  );
}

export async function findTransaction(tx: Queryable, programId: string, id: string) {
  const rows = await tx.query<LedgerTransactionRow>(`SELECT ${columns} FROM ledger_transactions t WHERE t.program_id = $1 AND t.id = $2`, [programId, id]);
  return rows[0];
}

export async function findTransactionByRef(tx: Queryable, programId: string, externalRef: string) {
  const rows = await tx.query<LedgerTransactionRow>(
    `SELECT ${columns} FROM ledger_transactions t WHERE t.program_id = $1 AND t.external_ref = $2`, [programId, externalRef]);
  return rows[0];
}

/**
 * Whether an error is the unique index on external references refusing a second transaction
 * with the same one (two requests racing with one reference: the loser waits for the winner's
 * commit, then gets this).
 */
export function isExternalRefTaken(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string; message?: string } | null;
  return e?.code === '23505'
    && (e.constraint === 'ledger_transactions_external_ref' || (e.message ?? '').includes('ledger_transactions_external_ref'));
}

/** Which of these external references the program's transactions already carry. */
export async function importedRefs(tx: Queryable, programId: string, refs: string[]): Promise<Set<string>> {
  const rows = await tx.query<{ ref: string }>(
    `SELECT external_ref AS ref FROM ledger_transactions WHERE program_id = $1 AND external_ref = ANY($2::text[])`, [programId, refs]);
  return new Set(rows.map((r) => r.ref));
}

/** The two original sides (debit and credit) of a transfer between members. */
export async function transferSides(tx: Queryable, programId: string, transferId: string) {
  return tx.query<LedgerTransactionRow>(
    `SELECT ${columns} FROM ledger_transactions t WHERE t.program_id = $1 AND t.transfer_id = $2 AND t.reverses_id IS NULL ORDER BY t.id`,
    [programId, transferId]);
}

/** The completed transaction that reverses (or releases) this one, if any. */
export async function findFollowUp(tx: Queryable, id: string) {
  const rows = await tx.query<LedgerTransactionRow>(
    `SELECT ${columns} FROM ledger_transactions t WHERE (t.reverses_id = $1 OR t.block_id = $1) AND t.status = 'completed' LIMIT 1`, [id]);
  return rows[0];
}

/**
 * Count and sum of a balance's completed transactions of a kind since a moment, inclusive
 * (velocity limits): a transaction completed at the very start of a calendar window is in it.
 */
/**
 * Whether a completed reversal ever took units back from a balance (`balance` is the SQL naming
 * it): such a balance has had a value, even if its figures are all zero again.
 */
export const everReversedSql = (balance: string) =>
  `EXISTS (SELECT 1 FROM ledger_transactions WHERE balance_id = ${balance} AND status = 'completed' AND reverses_id IS NOT NULL)`;

export async function wasEverReversed(tx: Queryable, balanceId: string): Promise<boolean> {
  const [row] = await tx.query<{ reversed: boolean }>(`SELECT ${everReversedSql('$1')} AS reversed`, [balanceId]);
  return row.reversed;
}

export async function usageSince(tx: Queryable, balanceId: string, kind: TransactionKind, since: Date) {
  const [row] = await tx.query<{ count: number; amount: number }>(
    `SELECT count(*)::int AS count, coalesce(sum(amount), 0)::bigint AS amount FROM ledger_transactions
     WHERE balance_id = $1 AND kind = $2 AND status = 'completed' AND completed_at >= $3 AND reverses_id IS NULL`,
    [balanceId, kind, since],
  );
  return row;
}

export interface TransactionFilter {
  status?: TransactionStatus;
  kind?: TransactionKind;
  from?: Date;
  to?: Date;
}

export async function listTransactions(tx: Queryable, balanceId: string, filter: TransactionFilter, page: PageRequest) {
  return tx.query<LedgerTransactionRow>(
    `SELECT ${columns} FROM ledger_transactions t WHERE t.balance_id = $1
       AND ($2::text IS NULL OR t.status = $2) AND ($3::text IS NULL OR t.kind = $3)
       AND ($4::timestamptz IS NULL OR t.created_at >= $4) AND ($5::timestamptz IS NULL OR t.created_at < $5)
       AND ($6::uuid IS NULL OR t.id > $6)
     ORDER BY t.id LIMIT $7`,
    [balanceId, filter.status ?? null, filter.kind ?? null, filter.from ?? null, filter.to ?? null, page.after, page.limit + 1],
  );
}
