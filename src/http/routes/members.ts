import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import * as profile from '../../services/members/profile.ts';
import * as registration from '../../services/members/register.ts';
import * as selfService from '../../services/members/self-service.ts';
import { enrolExistingMember } from '../../services/subscriptions/enrol-existing.ts';
import { Page, problemResponses } from '../schemas/common.ts';
import {
  ActivationBody, ActivationCodeRequest, ActivationCodeSent, EnrolBody, Member, MemberParams, MemberQuery, MemberRegister,
  MemberUpdate, ResetBody, ResetRequest,
} from '../schemas/members.ts';
import { pageOf } from './programs.ts';

const tags = ['members'];

export const memberRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post('/v1/members', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Register a member (CustomerRegistered; subscription_created, or CustomerWasRegisteredWithoutActivation with a code)',
      body: MemberRegister, response: { 201: Member, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await registration.registerMember(ctx, request.programId, request.body)));

  app.get('/v1/members', {
    config: { auth: 'program' },
    schema: { tags, summary: 'List, look up and search members', querystring: MemberQuery, response: { 200: Page(Member), ...problemResponses } },
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query;
    return profile.listMembers(ctx, request.programId, filter, pageOf({ limit, cursor }));
  });

  app.get('/v1/members/:memberId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a member', params: MemberParams, response: { 200: Member, ...problemResponses } },
  }, async (request) => profile.getMember(ctx, request.programId, request.params.memberId));

  app.patch('/v1/members/:memberId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Update a profile (CustomerUpdated)', params: MemberParams, body: MemberUpdate,
      response: { 200: Member, ...problemResponses } },
  }, async (request) => profile.updateMember(ctx, request.programId, request.params.memberId, request.body));

  app.post('/v1/members/:memberId/activate', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Activate a new member with their code, enrolling them (subscription_created)', params: MemberParams,
      body: ActivationBody, response: { 200: Member, ...problemResponses } },
  }, async (request) => {
    const { code, ...enrolment } = request.body;
    return registration.activateMember(ctx, request.programId, request.params.memberId, code, enrolment);
  });

  app.post('/v1/members/:memberId/activation-code', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Issue a new activation code (CustomerRequestedSendActivationCode)', params: MemberParams,
      body: ActivationCodeRequest, response: { 202: ActivationCodeSent, ...problemResponses } },
    // The body is optional (the channel has a default): a bare POST issues a code.
    preValidation: async (request) => {
      request.body ??= {};
    },
  }, async (request, reply) => reply.code(202).send(
    await registration.requestActivationCode(ctx, request.programId, request.params.memberId, request.body.channel)));

  for (const [action, run, summary] of [
    ['deactivate', profile.deactivateMember, 'Deactivate: no earning, spending or login (CustomerDeactivated)'],
    ['reactivate', profile.reactivateMember, 'Reactivate a deactivated member (CustomerUpdated)'],
    ['anonymise', profile.anonymiseMember, 'Erase personal data for good; ledger totals kept (CustomerUpdated)'],
  ] as const) {
    app.post(`/v1/members/:memberId/${action}`, {
      config: { auth: 'program' },
      schema: { tags, summary, params: MemberParams, response: { 200: Member, ...problemResponses } },
    }, async (request) => run(ctx, request.programId, request.params.memberId));
  }

  app.post('/v1/members/:memberId/subscription', {
    config: { auth: 'program', idempotent: true },
    schema: { tags: ['subscriptions'], summary: 'Enrol an active member who has no subscription (subscription_created)',
      params: MemberParams, body: EnrolBody, response: { 201: Member, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(
    await enrolExistingMember(ctx, request.programId, request.params.memberId, request.body)));

  app.post('/v1/members/password-reset-requests', {
    config: { auth: 'program' },
    schema: { tags, summary: 'A member asks to reset their password (CustomerRequestedPasswordReset carries the token)',
      body: ResetRequest, response: { 202: Type.Object({ accepted: Type.Boolean() }), ...problemResponses } },
  }, async (request, reply) => reply.code(202).send(await selfService.requestPasswordReset(ctx, request.programId, request.body.identifier)));

  app.post('/v1/members/password-resets', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Set a new password with a reset token', body: ResetBody,
      response: { 200: Type.Object({ reset: Type.Boolean() }), ...problemResponses } },
  }, async (request) => selfService.resetPassword(ctx, request.programId, request.body.token, request.body.password));
};
