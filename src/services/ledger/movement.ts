import { DateTime } from 'luxon';
import { refusals, type RefusalKind } from '../../domain/ledger/refusals.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { Problem } from '../../domain/problem.ts';
import type { LedgerTransactionRow } from '../../storage/ledger/transactions.ts';
import type { UnitChangeReason } from './balance-events.ts';
import type { BalanceTarget, LedgerScope } from './ledger-scope.ts';

/** A credit or debit as a caller asks for it (POST /v1/ledger/transactions, adjustments, campaigns, imports). */
export interface TransactionInput extends BalanceTarget {
  kind: 'credit' | 'debit';
  amount: number;
  reason?: UnitChangeReason;
  /** Completes at once (create + complete); otherwise the transaction waits, pending. */
  autoComplete?: boolean;
  /** A pending transaction not completed within this many seconds expires. */
  ttlSeconds?: number;
  /** A credit's units become available at this time (a scheduled credit). */
  availableAt?: string;
  comment?: string;
  externalRef?: string;
  sourceEventId?: string;
}

/** A refusal answered to the caller after its balance_transaction_unauthorized has been committed. */
export class LedgerRefusal extends Problem {
  constructor(kind: RefusalKind, detail?: string) {
    const r = refusals[kind];
    // Refusals about who is concerned name the member; the others, the amount.
    const field = kind === 'memberInactive' || kind === 'subscriptionRevoked' ? '/memberId' : '/amount';
    super(r.status >= 400 ? r.status : 409, r.code, 'Transaction refused', detail ?? r.reason, [{ field, message: r.reason }]);
  }
}

/**
 * The row of a new credit or debit of `amount` (the decided amount: rounded, perhaps cut to the
 * maximum), completed at once with autoComplete, else pending. A scheduled credit
 * (`availableAt`) or the definition's pending period make a credit's units pending until then.
 */
export function newTransactionRow(ls: LedgerScope, input: TransactionInput, amount: number): LedgerTransactionRow {
  const { scope } = ls;
  const pendingDays = ls.definition.pendingDays;
  const availableAt = input.availableAt ? new Date(input.availableAt)
    : input.kind === 'credit' && pendingDays > 0
      ? DateTime.fromJSDate(scope.now, { zone: scope.program.timezone }).plus({ days: pendingDays }).toJSDate() : null;
  return {
    id: uuidv7(scope.now),
    programId: scope.program.id,
    balanceId: ls.balance.id,
    kind: input.kind,
    reason: input.reason ?? (input.kind === 'credit' ? 'add' : 'spend'),
    amount,
    status: input.autoComplete ? 'completed' : 'pending',
    availableAt,
    pendingExpiresAt: !input.autoComplete && input.ttlSeconds ? new Date(scope.now.getTime() + input.ttlSeconds * 1000) : null,
    reversesId: null,
    transferId: null,
    blockId: null,
    comment: input.comment ?? null,
    externalRef: input.externalRef ?? null,
    createdAt: scope.now,
    completedAt: input.autoComplete ? scope.now : null,
    updatedAt: scope.now,
  };
}
