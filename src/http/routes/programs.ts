import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decodeCursor } from '../../storage/pagination.ts';
import type { ServiceContext } from '../../services/context.ts';
import * as programs from '../../services/programs.ts';
import * as keys from '../../services/api-keys.ts';
import { Page, PageQuery, ProgramParams, Uuid, problemResponses } from '../schemas/common.ts';
import { ApiKey, ApiKeyCreated, KeyCreate, Program, ProgramCreate, ProgramUpdate } from '../schemas/programs.ts';

export const pageOf = (query: { limit?: number; cursor?: string }) => ({
  limit: query.limit ?? 50,
  after: decodeCursor(query.cursor),
});

export const programRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post('/v1/programs', {
    config: { auth: 'admin', idempotent: true },
    schema: { tags: ['programs'], summary: 'Create a program', body: ProgramCreate, response: { 201: Program, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await programs.createProgram(ctx, request.body)));

  app.get('/v1/programs', {
    config: { auth: 'any' },
    schema: { tags: ['programs'], summary: 'List programs (a program key sees its own)', querystring: PageQuery,
      response: { 200: Page(Program), ...problemResponses } },
  }, async (request) => programs.listPrograms(ctx, request.principal, pageOf(request.query)));

  app.get('/v1/programs/:programId', {
    config: { auth: 'any' },
    schema: { tags: ['programs'], summary: 'Get a program', params: ProgramParams, response: { 200: Program, ...problemResponses } },
  }, async (request) => programs.getProgram(ctx, request.principal, request.params.programId));

  app.patch('/v1/programs/:programId', {
    config: { auth: 'any' },
    schema: { tags: ['programs'], summary: 'Update a program', params: ProgramParams, body: ProgramUpdate,
      response: { 200: Program, ...problemResponses } },
  }, async (request) => programs.updateProgram(ctx, request.principal, request.params.programId, request.body));

  app.post('/v1/programs/:programId/keys', {
    config: { auth: 'admin', idempotent: true },
    schema: { tags: ['keys'], summary: "Create a program key (shown once)", params: ProgramParams, body: KeyCreate,
      response: { 201: ApiKeyCreated, ...problemResponses } },
  }, async (request, reply) =>
    reply.code(201).send(await keys.createProgramKey(ctx, request.principal, request.params.programId, request.body.name)));

  app.get('/v1/programs/:programId/keys', {
    config: { auth: 'any' },
    schema: { tags: ['keys'], summary: "List a program's keys", params: ProgramParams, querystring: PageQuery,
      response: { 200: Page(ApiKey), ...problemResponses } },
  }, async (request) => keys.listKeys(ctx, request.principal, request.params.programId, pageOf(request.query)));

  app.post('/v1/admin-keys', {
    config: { auth: 'admin', idempotent: true },
    schema: { tags: ['keys'], summary: 'Create an admin key (shown once)', body: KeyCreate,
      response: { 201: ApiKeyCreated, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await keys.createAdminKey(ctx, request.body.name)));

  app.get('/v1/admin-keys', {
    config: { auth: 'admin' },
    schema: { tags: ['keys'], summary: 'List admin keys', querystring: PageQuery, response: { 200: Page(ApiKey), ...problemResponses } },
  }, async (request) => keys.listKeys(ctx, request.principal, null, pageOf(request.query)));

  app.delete('/v1/keys/:keyId', {
    config: { auth: 'any' },
    schema: { tags: ['keys'], summary: 'Revoke a key', params: Type.Object({ keyId: Uuid }, { additionalProperties: false }),
      response: { 200: ApiKey, ...problemResponses } },
  }, async (request) => keys.revokeKey(ctx, request.principal, request.params.keyId));
};
