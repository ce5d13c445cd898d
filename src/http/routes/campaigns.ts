import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import * as campaigns from '../../services/campaigns/manage.ts';
import { maxBodyDepth } from '../../domain/campaigns/facts.ts';
import { maxJsonDepth } from '../plugins/problems.ts';
import { PageQuery, Page, problemResponses } from '../schemas/common.ts';
import { Campaign, CampaignInput, CampaignParams, CustomEventBody, Simulation } from '../schemas/campaigns.ts';
import { MemberParams } from '../schemas/members.ts';
import { CampaignRun, PurchaseInput } from '../schemas/purchases.ts';
import { pageOf } from './programs.ts';

const tags = ['campaigns'];
const saveDescription = 'The condition is checked when the campaign is saved: a malformed expression is refused (422) with the position of the error. '
  + 'Tiers a `tier` target names, rewards and balance definitions effects name must exist (404 naming the field).';

export const campaignRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post('/v1/campaigns', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Create an earning campaign: trigger, target, condition, effects, limits', description: saveDescription,
      body: CampaignInput, response: { 201: Campaign, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await campaigns.createCampaign(ctx, request.programId, request.body)));

  app.get('/v1/campaigns', {
    config: { auth: 'program' },
    schema: { tags, summary: 'List campaigns', querystring: PageQuery, response: { 200: Page(Campaign), ...problemResponses } },
  }, async (request) => campaigns.listCampaigns(ctx, request.programId, pageOf(request.query)));

  app.get('/v1/campaigns/:campaignId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a campaign', params: CampaignParams, response: { 200: Campaign, ...problemResponses } },
  }, async (request) => campaigns.getCampaign(ctx, request.programId, request.params.campaignId));

  app.put('/v1/campaigns/:campaignId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Replace a campaign (what it applied before stays, and counts for its limits)', description: saveDescription,
      params: CampaignParams, body: CampaignInput, response: { 200: Campaign, ...problemResponses } },
  }, async (request) => campaigns.replaceCampaign(ctx, request.programId, request.params.campaignId, request.body));

  app.post('/v1/campaigns/simulate', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Show which campaigns and effects a purchase would produce, without registering or applying anything',
      description: 'The body is a POST /v1/purchases body; its customer is matched like a real purchase. Limits are counted as they stand.',
      body: PurchaseInput, response: { 200: Simulation, ...problemResponses } },
  }, async (request) => campaigns.simulatePurchase(ctx, request.programId, request.body));

  app.post('/v1/members/:memberId/custom-events', {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Send a custom event about a member: the campaigns with a custom_event trigger of its type run',
      description: `The body (free JSON, read by conditions as event.body) may nest at most ${maxBodyDepth} levels of objects and lists; `
        + 'a deeper one is refused (422 naming the first too-deep field, e.g. /body/a/b/…) before anything is written '
        + `(past ${maxJsonDepth} levels from the request's root, every route answers 400 the same way).`,
      params: MemberParams, body: CustomEventBody,
      response: { 200: Type.Object({ memberId: Type.String(), eventType: Type.String(), campaigns: Type.Array(CampaignRun) }), ...problemResponses } },
  }, async (request) => campaigns.sendCustomEvent(ctx, request.programId, request.params.memberId, request.body.type, request.body.body ?? {}));
};
