import { readDocument, type PurchaseDocument, type PurchaseInput } from '../../domain/purchases/document.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { Problem, conflict, invalidInput, notFound } from '../../domain/problem.ts';
import { emitEvent } from '../../outbox/emit.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMember, type MemberRow } from '../../storage/members.ts';
import * as purchases from '../../storage/purchases/transactions.ts';
import type { MatchedBy, PurchaseRow } from '../../storage/purchases/transactions.ts';
import { findMemberSubscription } from '../../storage/subscriptions.ts';
import { runCampaigns, type CampaignRunOutcome } from '../campaigns/run.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { checkAttributeNames } from '../members/identifier-checks.ts';
import { recalculateMemberTier } from '../tiers/recalculate.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { matchMember } from './match.ts';
import { takeBackForReturn } from './take-back.ts';
import { documentFields, purchaseView } from './views.ts';

const refusedReturn = (detail: string) =>
  new Problem(409, 'return-refused', 'Return refused', detail, [{ field: '/returnedDocumentNumber', message: detail }]);

/** The sale a return names, locked so that two returns of it add up one after the other. */
async function saleOfReturn(tx: Queryable, scope: ProgramScope, doc: PurchaseDocument) {
  const sale = await purchases.findPurchaseByDocument(tx, scope.program.id, doc.returnedDocumentNumber!, true);
  if (!sale) throw invalidInput('/returnedDocumentNumber', 'is not a document registered in this program');
  if (sale.documentType !== 'sell') throw invalidInput('/returnedDocumentNumber', 'is a return, not a sale');
  if (sale.currency !== doc.currency) throw invalidInput('/currency', `differs from the sale's currency ${sale.currency}`);
  const returned = (await purchases.returnsOf(tx, scope.program.id, sale.id)).reduce((n, r) => n + r.grossTotal, 0);
  if (returned + doc.grossTotal > sale.grossTotal) {
    throw invalidInput('/grossTotal', `returns would exceed the sale: ${sale.grossTotal} sold, ${returned} already returned`);
  }
  return sale;
}

/**
 * Registers a sell or return document (TransactionRegistered) and matches it to a member
 * (TransactionAssignedToCustomer), whose campaigns then run — or, for a return, which takes back
 * what its sale earned — all in the caller's transaction.
 */
export async function registerInTransaction(tx: Queryable, scope: ProgramScope, input: PurchaseInput, source: string) {
  const doc = readDocument(input);
  checkAttributeNames(doc.customAttributes);
  const programId = scope.program.id;
  if (await purchases.findPurchaseByDocument(tx, programId, doc.documentNumber)) {
    throw conflict(`document ${doc.documentNumber} is already registered in this program`, '/documentNumber');
  }
  const sale = doc.documentType === 'return' ? await saleOfReturn(tx, scope, doc) : null;
  let match = await matchMember(tx, scope, doc.customer);
  if (sale?.memberId) {
    if (match && match.member.id !== sale.memberId) throw refusedReturn('the returned sale belongs to another member');
    // A return without customer data belongs to whoever made the sale.
    match ??= { member: (await findMember(tx, programId, sale.memberId))!, matchedBy: 'customerId' };
  } else if (sale && match) {
    throw refusedReturn('the returned sale is not assigned to a member yet: assign the sale first');
  }
  const row: PurchaseRow = {
    id: uuidv7(scope.now), programId, memberId: null, matchedBy: null, documentNumber: doc.documentNumber,
    documentType: doc.documentType, returnedTransactionId: sale?.id ?? null, purchasedAt: doc.purchasedAt, place: doc.place,
    channel: doc.channel, currency: doc.currency, grossTotal: doc.grossTotal, customer: doc.customer, items: doc.items,
    customAttributes: doc.customAttributes, takeBacks: [], source, registeredEventId: null, assignedEventId: null,
    assignedAt: null, createdAt: scope.now,
  };
  await purchases.insertPurchase(tx, row);
  const snapshot = match ? memberSnapshot(match.member, (await findMemberSubscription(tx, programId, match.member.id)) ?? null) : null;
  const registered = await emitEvent(tx, scope.emit, 'TransactionRegistered', snapshot, documentFields(row, doc.returnedDocumentNumber));
  row.registeredEventId = registered.id;
  if (!match) {
    await purchases.savePurchaseMatch(tx, row);
    return { purchase: row, campaigns: [] as CampaignRunOutcome[] };
  }
  return assignInTransaction(tx, scope, row, match.member, match.matchedBy, sale);
}

/**
 * Gives a document its member (TransactionAssignedToCustomer), then runs the sale's campaigns or
 * the return's take-back. A sale assigned later brings its returns still anonymous with it.
 */
async function assignInTransaction(
  tx: Queryable, scope: ProgramScope, row: PurchaseRow, member: MemberRow, matchedBy: MatchedBy, sale: PurchaseRow | null,
) {
  const subscription = (await findMemberSubscription(tx, scope.program.id, member.id)) ?? null;
  const assigned = await emitEvent(tx, scope.emit, 'TransactionAssignedToCustomer', memberSnapshot(member, subscription), {
    ...documentFields(row, sale?.documentNumber ?? null), matchedBy,
  });
  const done: PurchaseRow = { ...row, memberId: member.id, matchedBy, assignedEventId: assigned.id, assignedAt: scope.now };
  let campaigns: CampaignRunOutcome[] = [];
  if (done.documentType === 'sell') {
    await purchases.savePurchaseMatch(tx, done);
    campaigns = await runCampaigns(tx, scope, { kind: 'purchase', purchase: { ...done, memberId: member.id }, sourceEventId: assigned.id });
    // The member's spend grew: real-time tier groups with a totalSpend condition move now, after the
    // sale's campaigns (which see the tier the member had when buying).
    await recalculateMemberTier(tx, scope, member.id, { sourceEventId: assigned.id });
    for (const ret of await purchases.returnsOf(tx, scope.program.id, done.id)) {
      if (ret.memberId === null) await assignInTransaction(tx, scope, ret, member, matchedBy, done);
    }
  } else {
    done.takeBacks = await takeBackForReturn(tx, scope, done, sale!, assigned.id);
    await purchases.savePurchaseMatch(tx, done);
    await recalculateMemberTier(tx, scope, member.id, { sourceEventId: assigned.id });
  }
  return { purchase: done, campaigns };
}

export async function registerPurchase(ctx: ServiceContext, programId: string, input: PurchaseInput, source = 'api') {
  try {
    return await ctx.db.transaction(async (tx) => {
      const scope = await programScope(tx, ctx, programId, source);
      const { purchase, campaigns } = await registerInTransaction(tx, scope, input, source);
      return purchaseView(purchase, { campaigns });
    });
  } catch (error) {
    // The same document sent twice at once: the check above saw neither; the index refuses one.
    if (purchases.isDocumentTaken(error)) throw conflict(`document ${input.documentNumber} is already registered in this program`, '/documentNumber');
    throw error;
  }
}

/** Assigns an anonymous document to a member by hand (matchedBy `manual`); its campaigns then run. */
export async function assignPurchase(ctx: ServiceContext, programId: string, id: string, memberId: string, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const row = await purchases.findPurchase(tx, programId, id, true);
    if (!row) throw notFound('purchase transaction', id);
    if (row.memberId) throw conflict(`the document is already assigned to member ${row.memberId}`);
    const member = await findMember(tx, programId, memberId);
    if (!member) throw new Problem(404, 'not-found', 'Not found', `member ${memberId} does not exist`, [{ field: '/memberId', message: 'is not a member of this program' }]);
    if (member.status !== 'active') throw conflict(`the member is ${member.status}; only an active member can be assigned a document`, '/memberId');
    let sale: PurchaseRow | null = null;
    if (row.documentType === 'return') {
      sale = (await purchases.findPurchase(tx, programId, row.returnedTransactionId!, true))!;
      if (sale.memberId !== member.id) {
        throw refusedReturn(sale.memberId ? 'the returned sale belongs to another member' : 'the returned sale is not assigned to a member yet: assign the sale first');
      }
    }
    const { purchase, campaigns } = await assignInTransaction(tx, scope, row, member, 'manual', sale);
    return purchaseView(purchase, { campaigns });
  });
}
