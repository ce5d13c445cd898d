import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import type { BalanceRow } from '../../storage/ledger/balances.ts';
import type { LotRow } from '../../storage/ledger/lots.ts';
import type { LedgerTransactionRow } from '../../storage/ledger/transactions.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function transactionView(t: LedgerTransactionRow) {
  return {
    id: t.id,
    balanceId: t.balanceId,
    kind: t.kind,
    reason: t.reason,
    amount: t.amount,
    status: t.status,
    availableAt: iso(t.availableAt),
    pendingExpiresAt: iso(t.pendingExpiresAt),
    reversesId: t.reversesId,
    transferId: t.transferId,
    blockId: t.blockId,
    comment: t.comment,
    externalRef: t.externalRef,
    createdAt: t.createdAt.toISOString(),
    completedAt: iso(t.completedAt),
  };
}

export function balanceView(b: BalanceRow, definition?: BalanceDefinition) {
  return {
    id: b.id,
    subscriptionId: b.subscriptionId,
    balanceDefinitionId: b.definitionId,
    ...(definition ? { balanceDefinition: { id: definition.id, name: definition.name, unit: definition.unit, decimals: definition.decimals } } : {}),
    available: b.available,
    pending: b.pending,
    blocked: b.blocked,
    spent: b.spent,
    expired: b.expired,
    earned: b.earned,
    status: b.status,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  };
}

export function lotView(l: LotRow) {
  return {
    id: l.id,
    balanceId: l.balanceId,
    transactionId: l.transactionId,
    amount: l.amount,
    remaining: l.remaining,
    blocked: l.blocked,
    expired: l.expired,
    status: l.status,
    availableFrom: l.availableFrom.toISOString(),
    expiresAt: iso(l.expiresAt),
    source: l.source,
    createdAt: l.createdAt.toISOString(),
  };
}
