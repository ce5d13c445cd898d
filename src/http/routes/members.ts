import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import { enrolMember } from '../../services/members.ts';
import { problemResponses } from '../schemas/common.ts';
import { Member, MemberEnrol } from '../schemas/members.ts';

export const memberRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post('/v1/members', {
    config: { auth: 'program', idempotent: true },
    schema: {
      tags: ['members'],
      summary: 'Register an active member and enrol them (fires CustomerRegistered and subscription_created)',
      body: MemberEnrol,
      response: { 201: Member, ...problemResponses },
    },
  }, async (request, reply) => reply.code(201).send(await enrolMember(ctx, request.programId, request.body)));
};
