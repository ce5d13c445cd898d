import type { EffectOutcome } from '../../storage/campaigns/runs.ts';
import type { PurchaseRow } from '../../storage/purchases/transactions.ts';

export function purchaseView(p: PurchaseRow, extra: { campaigns?: { campaignId: string; campaignName?: string; runId: string; effects: EffectOutcome[] }[] } = {}) {
  return {
    id: p.id,
    documentNumber: p.documentNumber,
    documentType: p.documentType,
    returnedTransactionId: p.returnedTransactionId,
    memberId: p.memberId,
    matchedBy: p.matchedBy,
    purchasedAt: p.purchasedAt.toISOString(),
    place: p.place,
    channel: p.channel,
    currency: p.currency,
    grossTotal: p.grossTotal,
    customer: p.customer,
    items: p.items,
    customAttributes: p.customAttributes,
    takeBacks: p.takeBacks,
    source: p.source,
    assignedAt: p.assignedAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    ...extra,
  };
}

/** The document fields TransactionRegistered and TransactionAssignedToCustomer carry. */
export const documentFields = (p: PurchaseRow, returnedDocumentNumber: string | null) => ({
  transactionId: p.id,
  documentNumber: p.documentNumber,
  documentType: p.documentType,
  purchasedAt: p.purchasedAt.toISOString(),
  grossValue: p.grossTotal,
  currency: p.currency,
  returnedDocumentNumber,
});
