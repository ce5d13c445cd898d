import type { PurchaseItem } from '../../domain/campaigns/campaign.ts';
import type { Queryable } from '../db.ts';
import type { AttributeValue } from '../members.ts';
import type { PageRequest } from '../pagination.ts';

export type MatchedBy = 'customerId' | 'loyaltyCardNumber' | 'email' | 'phone' | 'manual';

export interface CustomerData {
  memberId?: string;
  email?: string;
  phone?: string;
  cardId?: string;
  name?: string;
}

/** What a return took back from one award of its sale. */
export interface TakeBack {
  creditTransactionId: string;
  balanceDefinitionId: string;
  due: number;
  taken: number;
  notTaken: number;
  /** Units taken beyond what the balance held (its definition allows a negative balance). */
  debt: number;
  debitTransactionId: string | null;
}

export interface PurchaseRow {
  id: string;
  programId: string;
  memberId: string | null;
  matchedBy: MatchedBy | null;
  documentNumber: string;
  documentType: 'sell' | 'return';
  returnedTransactionId: string | null;
  purchasedAt: Date;
  place: string | null;
  channel: string | null;
  currency: string;
  grossTotal: number;
  customer: CustomerData;
  items: PurchaseItem[];
  customAttributes: Record<string, AttributeValue>;
  takeBacks: TakeBack[];
  source: string;
  registeredEventId: string | null;
  assignedEventId: string | null;
  assignedAt: Date | null;
  createdAt: Date;
}

const columns = `p.id, p.program_id AS "programId", p.member_id AS "memberId", p.matched_by AS "matchedBy",
  p.document_number AS "documentNumber", p.document_type AS "documentType", p.returned_transaction_id AS "returnedTransactionId",
  p.purchased_at AS "purchasedAt", p.place, p.channel, p.currency, p.gross_total AS "grossTotal", p.customer, p.items,
  p.custom_attributes AS "customAttributes", p.take_backs AS "takeBacks", p.source, p.registered_event_id AS "registeredEventId",
  p.assigned_event_id AS "assignedEventId", p.assigned_at AS "assignedAt", p.created_at AS "createdAt"`;

export async function insertPurchase(tx: Queryable, p: PurchaseRow): Promise<void> {
  await tx.query(
    `INSERT INTO purchase_transactions (id, program_id, member_id, matched_by, document_number, document_type,
       returned_transaction_id, purchased_at, place, channel, currency, gross_total, customer, items, custom_attributes,
       take_backs, source, registered_event_id, assigned_event_id, assigned_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
    [p.id, p.programId, p.memberId, p.matchedBy, p.documentNumber, p.documentType, p.returnedTransactionId, p.purchasedAt,
      p.place, p.channel, p.currency, p.grossTotal, JSON.stringify(p.customer), JSON.stringify(p.items),
      JSON.stringify(p.customAttributes), JSON.stringify(p.takeBacks), p.source, p.registeredEventId, p.assignedEventId,
      p.assignedAt, p.createdAt],
  );
}

/** Writes what changes after registration: the member it was matched to, its events, what a return took back. */
export async function savePurchaseMatch(tx: Queryable, p: PurchaseRow): Promise<void> {
  await tx.query(
    `UPDATE purchase_transactions SET member_id = $3, matched_by = $4, registered_event_id = $5, assigned_event_id = $6,
       assigned_at = $7, take_backs = $8
     WHERE program_id = $1 AND id = $2`,
    [p.programId, p.id, p.memberId, p.matchedBy, p.registeredEventId, p.assignedEventId, p.assignedAt, JSON.stringify(p.takeBacks)],
  );
}

export async function findPurchase(tx: Queryable, programId: string, id: string, forUpdate = false) {
  const rows = await tx.query<PurchaseRow>(
    `SELECT ${columns} FROM purchase_transactions p WHERE p.program_id = $1 AND p.id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`, [programId, id]);
  return rows[0];
}

export async function findPurchaseByDocument(tx: Queryable, programId: string, documentNumber: string, forUpdate = false) {
  const rows = await tx.query<PurchaseRow>(
    `SELECT ${columns} FROM purchase_transactions p WHERE p.program_id = $1 AND p.document_number = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [programId, documentNumber]);
  return rows[0];
}

/** Which of these document numbers are registered already (one look-up per import chunk). */
export async function registeredDocuments(tx: Queryable, programId: string, documentNumbers: string[]): Promise<Set<string>> {
  const rows = await tx.query<{ documentNumber: string }>(
    `SELECT document_number AS "documentNumber" FROM purchase_transactions WHERE program_id = $1 AND document_number = ANY($2::text[])`,
    [programId, documentNumbers]);
  return new Set(rows.map((r) => r.documentNumber));
}

/** The returns registered against a sale, oldest first. */
export async function returnsOf(tx: Queryable, programId: string, saleId: string) {
  return tx.query<PurchaseRow>(
    `SELECT ${columns} FROM purchase_transactions p WHERE p.program_id = $1 AND p.returned_transaction_id = $2 ORDER BY p.id`,
    [programId, saleId]);
}

export interface PurchaseFilter {
  memberId?: string;
  documentType?: 'sell' | 'return';
  anonymous?: boolean;
}

export async function listPurchases(tx: Queryable, programId: string, filter: PurchaseFilter, page: PageRequest) {
  return tx.query<PurchaseRow>(
    `SELECT ${columns} FROM purchase_transactions p
     WHERE p.program_id = $1 AND ($2::uuid IS NULL OR p.id > $2) AND ($3::uuid IS NULL OR p.member_id = $3)
       AND ($4::text IS NULL OR p.document_type = $4)
       AND ($5::boolean IS NULL OR (p.member_id IS NULL) = $5)
     ORDER BY p.id LIMIT $6`,
    [programId, page.after, filter.memberId ?? null, filter.documentType ?? null, filter.anonymous ?? null, page.limit + 1]);
}

export const isDocumentTaken = (error: unknown) =>
  (error as { code?: string })?.code === '23505' && String((error as { constraint?: string; message?: string }).constraint ?? (error as Error).message).includes('purchase_transactions_document');
