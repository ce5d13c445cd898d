import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { acceptBulkBodies, bulkBody, bulkBodyLimit } from '../bulk-body.ts';
import * as balances from '../../services/ledger/balances.ts';
import { blockUnits, unblockUnits } from '../../services/ledger/blocks.ts';
import { activateLotNow, expireLotNow } from '../../services/ledger/ledger-jobs.ts';
import { importTransfers, maxImportRows } from '../../services/ledger/imports.ts';
import { reverseTransaction } from '../../services/ledger/reverse.ts';
import * as transactions from '../../services/ledger/transactions.ts';
import { transferUnits } from '../../services/ledger/transfers.ts';
import { Page, problemResponses } from '../schemas/common.ts';
import {
  Adjustment, Balance, BalanceParams, BlockCreate, LedgerCheck, LedgerTransaction, Lot, LotParams, LotQuery, ReverseBody,
  TransactionCreate, TransactionParams, TransactionQuery, Transfer, TransferCreate,
} from '../schemas/ledger.ts';
import { MemberParams } from '../schemas/members.ts';
import { pageOf } from './programs.ts';

const tags = ['ledger'];
const date = (s?: string) => (s ? new Date(s) : undefined);

export const ledgerRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post('/v1/ledger/transactions', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Create a credit or debit: pending, or completed at once with autoComplete', body: TransactionCreate,
      response: { 201: LedgerTransaction, ...problemResponses, 429: problemResponses[400] } },
  }, async (request, reply) => reply.code(201).send(await transactions.createTransaction(ctx, request.programId, request.body)));

  app.get('/v1/ledger/transactions/:transactionId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a ledger transaction', params: TransactionParams, response: { 200: LedgerTransaction, ...problemResponses } },
  }, async (request) => balances.getTransaction(ctx, request.programId, request.params.transactionId));

  app.post('/v1/ledger/transactions/:transactionId/complete', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Complete a pending transaction', params: TransactionParams,
      response: { 200: LedgerTransaction, ...problemResponses, 429: problemResponses[400] } },
  }, async (request) => transactions.completeTransaction(ctx, request.programId, request.params.transactionId));

  app.post('/v1/ledger/transactions/:transactionId/cancel', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Cancel a pending transaction (balance_transaction_unauthorized)', params: TransactionParams,
      response: { 200: LedgerTransaction, ...problemResponses } },
  }, async (request) => transactions.cancelTransaction(ctx, request.programId, request.params.transactionId));

  app.post('/v1/ledger/transactions/:transactionId/reverse', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Reverse a completed transaction with a linked opposite one (also: cancel a unit transfer)',
      params: TransactionParams, body: ReverseBody, response: { 201: LedgerTransaction, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(
    await reverseTransaction(ctx, request.programId, request.params.transactionId, request.body?.comment)));

  app.post('/v1/ledger/adjustments', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Add or deduct units by hand, with a comment', body: Adjustment,
      response: { 201: LedgerTransaction, ...problemResponses, 429: problemResponses[400] } },
  }, async (request, reply) => {
    const { kind, ...rest } = request.body;
    return reply.code(201).send(await transactions.createTransaction(ctx, request.programId, {
      ...rest, kind: kind === 'add' ? 'credit' : 'debit', reason: kind, autoComplete: true,
    }, 'admin'));
  });

  app.post('/v1/ledger/blocks', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Block units: reserved, not spendable, not spent', body: BlockCreate,
      response: { 201: LedgerTransaction, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await blockUnits(ctx, request.programId, request.body)));

  app.post('/v1/ledger/blocks/:transactionId/release', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Release a block: its units are available again', params: TransactionParams,
      response: { 201: LedgerTransaction, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await unblockUnits(ctx, request.programId, request.params.transactionId)));

  app.post('/v1/ledger/transfers', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Move units from one member to another (events for both)', body: TransferCreate,
      response: { 201: Transfer, ...problemResponses, 429: problemResponses[400] } },
  }, async (request, reply) => reply.code(201).send(await transferUnits(ctx, request.programId, request.body)));

  app.post('/v1/ledger/lots/:lotId/expire', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Expire a lot now, before its time', params: LotParams, response: { 200: Lot, ...problemResponses } },
  }, async (request) => expireLotNow(ctx, request.programId, request.params.lotId, 'admin'));

  app.post('/v1/ledger/lots/:lotId/activate', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Make a pending lot available now', params: LotParams, response: { 200: Lot, ...problemResponses } },
  }, async (request) => activateLotNow(ctx, request.programId, request.params.lotId, 'admin'));

  acceptBulkBodies(app);

  app.post('/v1/ledger/imports', {
    config: { auth: 'program' },
    bodyLimit: bulkBodyLimit,
    schema: {
      tags,
      summary: `Import up to ${maxImportRows} unit transfers (JSON lines or CSV); good rows applied, bad ones reported by line; re-runs apply nothing twice`,
      description: 'Send `content-type: application/x-ndjson` (one JSON object per line) or `text/csv` (header row). Columns: ref (required, unique per program), memberId or loyaltySubscriptionId, balanceDefinitionId (optional), kind (credit|debit), amount, comment.',
      response: {
        200: Type.Object({
          rows: Type.Integer(),
          applied: Type.Integer(),
          skipped: Type.Array(Type.Object({ line: Type.Integer(), ref: Type.String(), reason: Type.String() })),
          errors: Type.Array(Type.Object({ line: Type.Integer(), field: Type.Union([Type.String(), Type.Null()]), message: Type.String() })),
        }),
        ...problemResponses,
      },
    },
  }, async (request) => {
    const { text, format } = bulkBody(request);
    return importTransfers(ctx, request.programId, text, format);
  });

  app.get('/v1/members/:memberId/balances', {
    config: { auth: 'program' },
    schema: { tags, summary: "A member's balances", params: MemberParams, response: { 200: Type.Object({ data: Type.Array(Balance) }), ...problemResponses } },
  }, async (request) => balances.memberBalances(ctx, request.programId, request.params.memberId));

  app.get('/v1/balances/:balanceId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a balance', params: BalanceParams, response: { 200: Balance, ...problemResponses } },
  }, async (request) => balances.getBalance(ctx, request.programId, request.params.balanceId));

  app.get('/v1/balances/:balanceId/transactions', {
    config: { auth: 'program' },
    schema: { tags, summary: "A balance's transactions", params: BalanceParams, querystring: TransactionQuery,
      response: { 200: Page(LedgerTransaction), ...problemResponses } },
  }, async (request) => {
    const { limit, cursor, status, kind, from, to } = request.query;
    return balances.balanceTransactions(ctx, request.programId, request.params.balanceId,
      { status, kind, from: date(from), to: date(to) }, pageOf({ limit, cursor }));
  });

  app.get('/v1/balances/:balanceId/lots', {
    config: { auth: 'program' },
    schema: { tags, summary: "A balance's lots", params: BalanceParams, querystring: LotQuery, response: { 200: Page(Lot), ...problemResponses } },
  }, async (request) => {
    const { limit, cursor, status, expiresBefore } = request.query;
    return balances.balanceLots(ctx, request.programId, request.params.balanceId,
      { status, expiresBefore: date(expiresBefore) }, pageOf({ limit, cursor }));
  });

  app.get('/v1/ledger/check', {
    config: { auth: 'program' },
    schema: { tags, summary: "Recompute the program's balances from their lots and list any difference",
      response: { 200: LedgerCheck, ...problemResponses } },
  }, async (request) => balances.checkLedger(ctx, request.programId));

  app.get('/v1/me/balances', {
    config: { auth: 'member' },
    schema: { tags: ['member self-service'], summary: "The logged-in member's balances",
      response: { 200: Type.Object({ data: Type.Array(Balance) }), ...problemResponses } },
  }, async (request) => balances.memberBalances(ctx, request.programId, request.memberId));
};
