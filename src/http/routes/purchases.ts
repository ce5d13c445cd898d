import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import { acceptBulkBodies, bulkBody, bulkBodyLimit } from '../bulk-body.ts';
import { maxImportRows } from '../../services/ledger/imports.ts';
import { importPurchases } from '../../services/purchases/imports.ts';
import { getPurchase, listPurchases } from '../../services/purchases/queries.ts';
import { assignPurchase, registerPurchase } from '../../services/purchases/register.ts';
import { Page, problemResponses } from '../schemas/common.ts';
import { AssignBody, ImportReport, Purchase, PurchaseInput, PurchaseParams, PurchaseQuery } from '../schemas/purchases.ts';
import { pageOf } from './programs.ts';

const tags = ['purchases'];

export const purchaseRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post('/v1/purchases', {
    config: { auth: 'program', idempotent: true },
    schema: {
      tags,
      summary: 'Register a sell or return document (TransactionRegistered); matched to a member, its campaigns run',
      description: "The customer data is matched to an active member by the program's members.matchingPriority (a `customer.memberId` first); "
        + 'a match fires TransactionAssignedToCustomer and runs the purchase campaigns (a sale) or takes back what the sale earned (a return), '
        + 'in the same transaction. Unmatched, the document stays anonymous until assigned. The answer lists what the campaigns applied. '
        + "Items' gross values may not add up to more than grossTotal (422, /items). A return of a sale that has a member belongs to that "
        + 'member unless its customer data matches another active member (409 return-refused); a return of a still-anonymous sale whose '
        + 'customer data matches a member is refused (409 return-refused: assign the sale first), an unmatched one stays anonymous.',
      body: PurchaseInput,
      response: { 201: Purchase, ...problemResponses },
    },
  }, async (request, reply) => reply.code(201).send(await registerPurchase(ctx, request.programId, request.body)));

  app.get('/v1/purchases', {
    config: { auth: 'program' },
    schema: { tags, summary: 'List purchase documents', querystring: PurchaseQuery, response: { 200: Page(Purchase), ...problemResponses } },
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query;
    return listPurchases(ctx, request.programId, filter, pageOf({ limit, cursor }));
  });

  app.get('/v1/purchases/:purchaseId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a purchase document and what its campaigns applied', params: PurchaseParams, response: { 200: Purchase, ...problemResponses } },
  }, async (request) => getPurchase(ctx, request.programId, request.params.purchaseId));

  app.post('/v1/purchases/:purchaseId/assign', {
    config: { auth: 'program', idempotent: true },
    schema: {
      tags,
      summary: 'Assign an anonymous document to a member (TransactionAssignedToCustomer, matchedBy manual); its campaigns then run',
      description: "Assigning a sale also assigns its anonymous returns. A return is assigned only to its sale's member.",
      params: PurchaseParams, body: AssignBody, response: { 200: Purchase, ...problemResponses },
    },
  }, async (request) => assignPurchase(ctx, request.programId, request.params.purchaseId, request.body.memberId));

  acceptBulkBodies(app);

  app.post('/v1/purchases/imports', {
    config: { auth: 'program' },
    bodyLimit: bulkBodyLimit,
    schema: {
      tags,
      summary: `Import up to ${maxImportRows} purchase documents (JSON lines or CSV); good rows registered, bad ones reported by line; re-runs apply nothing twice`,
      description: 'Send `content-type: application/x-ndjson` (one POST /v1/purchases body per line) or `text/csv` (header row; columns '
        + 'documentNumber, documentType, returnedDocumentNumber, purchasedAt, place, channel, currency, grossTotal, customer.email, customer.phone, '
        + 'customer.cardId, customer.name, customer.memberId, items (a JSON array), customAttributes (a JSON object)). Rows are registered in '
        + 'file order, so a return may follow its sale in the same file. A document number already registered is skipped.',
      response: { 200: ImportReport, ...problemResponses },
    },
  }, async (request) => {
    const { text, format } = bulkBody(request);
    return importPurchases(ctx, request.programId, text, format);
  });
};
