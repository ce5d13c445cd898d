import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import * as selfService from '../../services/members/self-service.ts';
import { ProgramParams, problemResponses } from '../schemas/common.ts';
import { LoginBody, Member, OwnContactUpdate, Session } from '../schemas/members.ts';

const tags = ['member self-service'];

/** What a member's own app calls: log in, then read and change their profile with the token. */
export const memberSelfServiceRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post('/v1/programs/:programId/member-sessions', {
    config: { auth: 'none' },
    schema: { tags, summary: 'Log in with an identifier (e-mail, phone, card number) and password; returns a one-hour token',
      security: [], params: ProgramParams, body: LoginBody, response: { 201: Session, ...problemResponses, 429: problemResponses[400] } },
  }, async (request, reply) => {
    return reply.code(201).send(
      await selfService.logIn(ctx, request.params.programId, request.body.identifier, request.body.password, request.ip));
  });

  app.get('/v1/me', {
    config: { auth: 'member' },
    schema: { tags, summary: "The logged-in member's profile", response: { 200: Member, ...problemResponses } },
  }, async (request) => selfService.getOwnProfile(ctx, request.programId, request.memberId));

  app.patch('/v1/me', {
    config: { auth: 'member' },
    schema: { tags, summary: 'Change own e-mail or phone (CustomerEmailWasChanged / CustomerPhoneNumberWasChanged)',
      body: OwnContactUpdate, response: { 200: Member, ...problemResponses } },
  }, async (request) => selfService.changeOwnContact(ctx, request.programId, request.memberId, request.body));
};
