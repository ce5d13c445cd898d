import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import * as groups from '../../services/tiers/groups.ts';
import { assignTier, listMemberTiers, removeManualTier } from '../../services/tiers/member-tiers.ts';
import { getRecalculation, startRecalculation } from '../../services/tiers/program-recalculation.ts';
import type { GroupInput, TierInput } from '../../domain/tiers/tier-rules.ts';
import { Page, PageQuery, problemResponses } from '../schemas/common.ts';
import { MemberParams } from '../schemas/members.ts';
import {
  GroupParams, MemberGroupParams, MemberTiers, Recalculation, RecalculationParams, Tier, TierAssign, TierCreate, TierGroup,
  TierGroupCreate, TierGroupUpdate, TierParams, TierUpdate,
} from '../schemas/tiers.ts';
import { pageOf } from './programs.ts';

const tags = ['tiers'];
const base = '/v1/tier-groups';

/** Tier groups and tiers (never deleted: member tiers refer to them), members' tiers, program recalculations. */
export const tierRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(base, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Create a tier group (e.g. "Medal") with its upgrade and downgrade strategies', body: TierGroupCreate,
      description: 'Members enrolling once the group has its default tier get that tier at enrolment. Members enrolled before hold no '
        + 'tier in the group: start a program recalculation (`POST /v1/tier-recalculations`) to give each the tier they earn (in a '
        + 'real-time group, their next balance or spend change also does, at once).',
      response: { 201: TierGroup, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await groups.createGroup(ctx, request.programId, request.body as GroupInput & { name: string })));

  app.get(base, {
    config: { auth: 'program' },
    schema: { tags, summary: 'List tier groups with their tiers, oldest first', querystring: PageQuery,
      response: { 200: Page(TierGroup), ...problemResponses } },
  }, async (request) => groups.listGroups(ctx, request.programId, pageOf(request.query)));

  app.get(`${base}/:groupId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a tier group with its tiers', params: GroupParams, response: { 200: TierGroup, ...problemResponses } },
  }, async (request) => groups.getGroup(ctx, request.programId, request.params.groupId));

  app.patch(`${base}/:groupId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Update a tier group', params: GroupParams, body: TierGroupUpdate,
      description: 'New strategies apply to each member from their next recalculation; start a program recalculation '
        + '(`POST /v1/tier-recalculations`) to apply them to everyone now.',
      response: { 200: TierGroup, ...problemResponses } },
  }, async (request) => groups.updateGroup(ctx, request.programId, request.params.groupId, request.body as GroupInput));

  app.post(`${base}/:groupId/tiers`, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Add a tier to a group', params: GroupParams, body: TierCreate,
      description: 'The first tier of a group is its default (entry) tier and has no conditions. Rewards in `rewardsOnEntry` and balance '
        + 'definitions in conditions must exist (404 naming the field). '
        + 'Members holding a tier in the group reach the new one at their next recalculation (a real-time change or the group\'s next '
        + 'moment) or a program recalculation; members enrolled before the group had its default tier hold none in it until a program '
        + 'recalculation (or, in a real-time group, their next balance or spend change).',
      response: { 201: Tier, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await groups.createTier(ctx, request.programId, request.params.groupId,
    request.body as TierInput & { name: string; order: number })));

  app.patch(`${base}/:groupId/tiers/:tierId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Update a tier (name, order, conditions, metadata, default)', params: TierParams, body: TierUpdate,
      response: { 200: Tier, ...problemResponses } },
  }, async (request) => groups.updateTier(ctx, request.programId, request.params.groupId, request.params.tierId, request.body as TierInput));

  app.get('/v1/members/:memberId/tiers', {
    config: { auth: 'program' },
    schema: { tags, summary: "A member's tier in each group", params: MemberParams, response: { 200: MemberTiers, ...problemResponses } },
  }, async (request) => listMemberTiers(ctx, request.programId, request.params.memberId));

  app.put('/v1/members/:memberId/tiers/:groupId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Assign a tier by hand (kept by recalculations until removed)', params: MemberGroupParams, body: TierAssign,
      description: 'Fires CustomerLevelChanged (`manual: true`) and tier_association_updated when the tier changes. The member must '
        + 'be active and own a subscription (409 otherwise).',
      response: { 200: MemberTiers, ...problemResponses } },
  }, async (request) => assignTier(ctx, request.programId, request.params.memberId, request.params.groupId, request.body.tierId));

  app.delete('/v1/members/:memberId/tiers/:groupId/manual', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Remove a manual tier: the member goes back to the tier their standing earns', params: MemberGroupParams,
      description: '409 when the member has no manual tier in the group. Fires the tier events (`manual: true`) when the tier changes.',
      response: { 200: MemberTiers, ...problemResponses } },
  }, async (request) => removeManualTier(ctx, request.programId, request.params.memberId, request.params.groupId));

  app.post('/v1/tier-recalculations', {
    config: { auth: 'program' },
    schema: { tags, summary: "Recalculate every member's tiers after the rules changed",
      description: 'Runs in batches through the scheduler (resumable: a failed batch is retried from where it stopped). Every '
        + 'member moves to the tier they earn, except down in a group whose downgrade strategy is none; manual tiers are kept; members '
        + 'enrolled before a group had its default tier get their tier in it. `total` is counted at the start and again after each '
        + 'batch (members enrol and leave meanwhile), so `processed` never passes it. One run at a time per program (409).',
      response: { 202: Recalculation, ...problemResponses } },
  }, async (request, reply) => reply.code(202).send(await startRecalculation(ctx, request.programId)));

  app.get('/v1/tier-recalculations/:recalculationId', {
    config: { auth: 'program' },
    schema: { tags, summary: 'Progress of a program recalculation', params: RecalculationParams,
      response: { 200: Recalculation, ...problemResponses } },
  }, async (request) => getRecalculation(ctx, request.programId, request.params.recalculationId));
};
