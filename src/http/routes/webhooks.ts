import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { allEventTypes } from '../../events/registry.ts';
import type { ServiceContext } from '../../services/context.ts';
import * as endpoints from '../../services/webhook-endpoints.ts';
import * as messages from '../../services/webhook-messages.ts';
import { Page, PageQuery, problemResponses } from '../schemas/common.ts';
import {
  Attempt, Endpoint, EndpointCreate, EndpointParams, EndpointUpdate, EndpointWithSecret, EventTypeSummary, Message,
  MessageParams, MessageQuery, Recover, RotateSecret, TestEvent,
} from '../schemas/webhooks.ts';
import { pageOf } from './programs.ts';

const tags = ['webhooks'];

export const webhookRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get('/v1/event-types', {
    config: { auth: 'any' },
    schema: { tags, summary: 'Every event type, with the schema and an example of its body',
      response: { 200: Type.Object({ data: Type.Array(EventTypeSummary) }), ...problemResponses } },
  }, async () => ({
    data: allEventTypes().map((t) => ({ name: t.name, family: t.family, group: t.group, description: t.description,
      schema: t.schema, example: t.example })),
  }));

  const base = '/v1/webhook-endpoints';
  app.post(base, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Create an endpoint (its signing secret is shown once)', body: EndpointCreate,
      response: { 201: EndpointWithSecret, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await endpoints.createEndpoint(ctx, request.programId, request.body)));

  app.get(base, {
    config: { auth: 'program' },
    schema: { tags, summary: 'List endpoints', querystring: PageQuery, response: { 200: Page(Endpoint), ...problemResponses } },
  }, async (request) => endpoints.listEndpoints(ctx, request.programId, pageOf(request.query)));

  app.get(`${base}/:endpointId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get an endpoint', params: EndpointParams, response: { 200: Endpoint, ...problemResponses } },
  }, async (request) => endpoints.getEndpoint(ctx, request.programId, request.params.endpointId));

  app.patch(`${base}/:endpointId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Update an endpoint', params: EndpointParams, body: EndpointUpdate,
      response: { 200: Endpoint, ...problemResponses } },
  }, async (request) => endpoints.updateEndpoint(ctx, request.programId, request.params.endpointId, request.body));

  app.delete(`${base}/:endpointId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Delete an endpoint with its messages and attempts', params: EndpointParams,
      response: { 204: Type.Null(), ...problemResponses } },
  }, async (request, reply) => {
    await endpoints.deleteEndpoint(ctx, request.programId, request.params.endpointId);
    return reply.code(204).send(null);
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`${base}/:endpointId/${action}`, {
      config: { auth: 'program' },
      schema: { tags, summary: `${action === 'enable' ? 'Enable' : 'Disable'} an endpoint`, params: EndpointParams,
        response: { 200: Endpoint, ...problemResponses } },
    }, async (request) => endpoints.setEndpointEnabled(ctx, request.programId, request.params.endpointId, enabled));
  }

  app.post(`${base}/:endpointId/rotate-secret`, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Rotate the signing secret; the old one signs too during the grace period',
      params: EndpointParams, body: RotateSecret, response: { 200: EndpointWithSecret, ...problemResponses } },
    // The body is optional (every field has a default): a bare POST rotates with the default grace.
    preValidation: async (request) => {
      request.body ??= {};
    },
  }, async (request) =>
    endpoints.rotateEndpointSecret(ctx, request.programId, request.params.endpointId, request.body.gracePeriodSeconds));

  app.get(`${base}/:endpointId/messages`, {
    config: { auth: 'program' },
    schema: { tags, summary: "List an endpoint's messages", params: EndpointParams, querystring: MessageQuery,
      response: { 200: Page(Message), ...problemResponses } },
  }, async (request) => messages.listEndpointMessages(ctx, request.programId, request.params.endpointId,
    request.query.status ?? null, pageOf(request.query)));

  app.get(`${base}/:endpointId/messages/:messageId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a message', params: MessageParams, response: { 200: Message, ...problemResponses } },
  }, async (request) => messages.getMessage(ctx, request.programId, request.params.endpointId, request.params.messageId));

  app.get(`${base}/:endpointId/messages/:messageId/attempts`, {
    config: { auth: 'program' },
    schema: { tags, summary: "List a message's attempts", params: MessageParams, querystring: PageQuery,
      response: { 200: Page(Attempt), ...problemResponses } },
  }, async (request) => messages.listMessageAttempts(ctx, request.programId, request.params.endpointId,
    request.params.messageId, pageOf(request.query)));

  app.post(`${base}/:endpointId/messages/:messageId/resend`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Send a message again now', params: MessageParams, response: { 202: Message, ...problemResponses } },
  }, async (request, reply) => reply.code(202).send(
    await messages.resendMessage(ctx, request.programId, request.params.endpointId, request.params.messageId)));

  app.post(`${base}/:endpointId/recover`, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Send again every failed message since a time', params: EndpointParams, body: Recover,
      response: { 202: Type.Object({ requeued: Type.Integer() }), ...problemResponses } },
  }, async (request, reply) => reply.code(202).send(
    await messages.recoverFailedMessages(ctx, request.programId, request.params.endpointId, request.body.since)));

  app.post(`${base}/:endpointId/test`, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: "Send an event type's example payload to this endpoint", params: EndpointParams, body: TestEvent,
      response: { 202: Type.Object({ eventId: Type.String(), messageId: Type.String() }), ...problemResponses } },
  }, async (request, reply) => reply.code(202).send(
    await messages.sendTestEvent(ctx, request.programId, request.params.endpointId, request.body.eventType)));
};
