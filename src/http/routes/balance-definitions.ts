import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import * as definitions from '../../services/ledger/definitions.ts';
import {
  BalanceDefinition, DefinitionCreate, DefinitionParams, DefinitionUpdate,
} from '../schemas/balance-definitions.ts';
import { Page, PageQuery, problemResponses } from '../schemas/common.ts';
import { pageOf } from './programs.ts';

const tags = ['balance definitions'];
const base = '/v1/balance-definitions';

/** Balance definitions (wallet types). There is no DELETE: balances refer to their definition. */
export const balanceDefinitionRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(base, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: "Create a balance definition (the program's first one becomes its default)", body: DefinitionCreate,
      response: { 201: BalanceDefinition, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await definitions.createDefinition(ctx, request.programId, request.body)));

  app.get(base, {
    config: { auth: 'program' },
    schema: { tags, summary: 'List balance definitions, oldest first', querystring: PageQuery,
      response: { 200: Page(BalanceDefinition), ...problemResponses } },
  }, async (request) => definitions.listDefinitions(ctx, request.programId, pageOf(request.query)));

  app.get(`${base}/:definitionId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a balance definition', params: DefinitionParams,
      response: { 200: BalanceDefinition, ...problemResponses } },
  }, async (request) => definitions.getDefinition(ctx, request.programId, request.params.definitionId));

  app.patch(`${base}/:definitionId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Update a balance definition (new rules apply to what happens next)', params: DefinitionParams,
      body: DefinitionUpdate, response: { 200: BalanceDefinition, ...problemResponses } },
  }, async (request) => definitions.updateDefinition(ctx, request.programId, request.params.definitionId, request.body));

  app.post(`${base}/:definitionId/make-default`, {
    config: { auth: 'program' },
    schema: { tags, summary: "Make a definition the program's default (the previous default stops being one)",
      params: DefinitionParams, response: { 200: BalanceDefinition, ...problemResponses } },
  }, async (request) => definitions.setDefault(ctx, request.programId, request.params.definitionId));
};
