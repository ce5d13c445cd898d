import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import * as household from '../../services/subscriptions/household.ts';
import { revokeSubscription } from '../../services/subscriptions/revoke.ts';
import { problemResponses } from '../schemas/common.ts';
import { AddMembersBody, Subscription, SubscriptionMemberParams, SubscriptionParams } from '../schemas/members.ts';

const tags = ['subscriptions'];

export const subscriptionRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get('/v1/subscriptions/:loyaltySubscriptionId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a subscription with its members', params: SubscriptionParams, response: { 200: Subscription, ...problemResponses } },
  }, async (request) => household.getSubscription(ctx, request.programId, request.params.loyaltySubscriptionId));

  app.post('/v1/subscriptions/:loyaltySubscriptionId/members', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Add members sharing the balances (subscription_member_added each)', params: SubscriptionParams,
      body: AddMembersBody, response: { 200: Subscription, ...problemResponses } },
  }, async (request) => household.addSubscriptionMembers(ctx, request.programId, request.params.loyaltySubscriptionId, request.body.memberIds));

  app.delete('/v1/subscriptions/:loyaltySubscriptionId/members/:memberId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Remove a member (subscription_member_removed)', params: SubscriptionMemberParams,
      response: { 200: Subscription, ...problemResponses } },
  }, async (request) => household.removeSubscriptionMember(ctx, request.programId, request.params.loyaltySubscriptionId, request.params.memberId));

  app.post('/v1/subscriptions/:loyaltySubscriptionId/revoke', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Revoke (unenrol) a subscription (subscription_revoked)', params: SubscriptionParams,
      response: { 200: Subscription, ...problemResponses } },
  }, async (request) => revokeSubscription(ctx, request.programId, request.params.loyaltySubscriptionId));
};
