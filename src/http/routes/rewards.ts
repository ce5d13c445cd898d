import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Problem } from '../../domain/problem.ts';
import type { ServiceContext } from '../../services/context.ts';
import { importCodes, maxPoolCodes } from '../../services/rewards/code-pool.ts';
import { assignReward, memberCatalog, purchaseReward } from '../../services/rewards/issuing.ts';
import * as rewards from '../../services/rewards/rewards.ts';
import { Page, PageQuery, problemResponses } from '../schemas/common.ts';
import {
  AssignBody, CatalogReward, CodeImport, OwnPurchaseBody, PurchaseBody, Reward, RewardCreate, RewardParams, RewardQuery, RewardUpdate, Voucher,
} from '../schemas/rewards.ts';
import { pageOf } from './programs.ts';

const tags = ['rewards'];
const base = '/v1/rewards';

const issueDescription = 'Fires CustomerBoughtReward and voucher_created. When the reward cannot be issued, voucher_attribution_failed '
  + 'carries the reason and the answer is a problem, nothing else changing (no units taken): `reward-inactive`, `reward-not-available` '
  + '(outside its window), `reward-not-targeted` (403), `reward-limit-reached`, `reward-member-limit-reached`, `reward-period-limit-reached`, '
  + '`reward-out-of-codes`, `reward-validity-passed`, `reward-must-be-bought` (a units-conversion coupon given, not bought), `member-inactive`, '
  + '`subscription-revoked` (409), `insufficient-balance`, `debit-cap` (422), '
  + '`velocity-limit` (429).';

/** The reward catalog (admin), issuing vouchers from it, and the member's own catalog. */
export const rewardRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(base, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Create a reward (an offer of the catalog)', body: RewardCreate, response: { 201: Reward, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await rewards.createReward(ctx, request.programId, request.body)));

  app.get(base, {
    config: { auth: 'program' },
    schema: { tags, summary: 'List rewards, oldest first', querystring: RewardQuery, response: { 200: Page(Reward), ...problemResponses } },
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query;
    return rewards.listRewards(ctx, request.programId, filter, pageOf({ limit, cursor }));
  });

  app.get(`${base}/:rewardId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a reward, with its code counts', params: RewardParams, response: { 200: Reward, ...problemResponses } },
  }, async (request) => rewards.getReward(ctx, request.programId, request.params.rewardId));

  app.patch(`${base}/:rewardId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Update a reward (`active: false` withdraws it; rewards are never deleted)',
      description: 'Changes apply to vouchers issued from now on; vouchers already issued keep their dates and value.',
      params: RewardParams, body: RewardUpdate, response: { 200: Reward, ...problemResponses } },
  }, async (request) => rewards.updateReward(ctx, request.programId, request.params.rewardId, request.body));

  // Codes arrive as plain text, one per line; only this route reads text (the API is JSON elsewhere).
  await app.register(async (scoped) => {
    const uploads = scoped.withTypeProvider<TypeBoxTypeProvider>();
    uploads.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    uploads.post(`${base}/:rewardId/codes`, {
      config: { auth: 'program' },
      bodyLimit: 64 * 1024 * 1024,
      schema: { tags, summary: `Upload codes to a reward's pool (text/plain, one code per line; up to ${maxPoolCodes.toLocaleString('en')} per reward)`,
        description: 'Codes are 1 to 64 printable ASCII characters. A line that is not a code refuses the whole upload (422, each bad line named). '
          + 'Codes the program already has, or repeated in the upload, are skipped and counted. The limit applies to the pool after the '
          + 'upload (codes held plus those really added): past it, the whole upload is refused (413 `too-many-codes`). '
          + 'The reward must have `codeSource: "pool"`; vouchers take its codes oldest first.',
        params: RewardParams, response: { 200: CodeImport, ...problemResponses, 413: problemResponses[400] } },
    }, async (request) => {
      if (typeof request.body !== 'string') {
        throw new Problem(415, 'unsupported-media-type', 'Unsupported media type', 'send the codes as text/plain, one per line',
          [{ field: 'header.content-type', message: 'must be text/plain' }]);
      }
      return importCodes(ctx, request.programId, request.params.rewardId, request.body);
    });
  });

  app.post(`${base}/:rewardId/purchase`, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'A member buys the reward: its cost is debited from their balance (ledger events, same transaction)',
      description: issueDescription, params: RewardParams, body: PurchaseBody,
      response: { 201: Voucher, ...problemResponses, 429: problemResponses[400] } },
  }, async (request, reply) => reply.code(201).send(await purchaseReward(ctx, request.programId, request.params.rewardId, request.body)));

  app.post(`${base}/:rewardId/assign`, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'An admin gives the reward to a member, free of charge', description: issueDescription,
      params: RewardParams, body: AssignBody, response: { 201: Voucher, ...problemResponses } },
  }, async (request, reply) => reply.code(201).send(await assignReward(ctx, request.programId, request.params.rewardId, request.body)));

  app.get('/v1/me/rewards', {
    config: { auth: 'member' },
    schema: { tags: ['member self-service'], summary: 'The rewards the logged-in member may get now (their catalog)',
      description: 'Active, visible rewards inside their availability window that target the member, less those issuing would refuse '
        + 'them now: a fixed `validity.until` reached by the time a voucher issued now becomes usable, a pool without a free code, '
        + 'the `total` limit reached, or the member\'s own `perMember` or `perPeriod` limit reached. Rewards the member cannot '
        + 'afford are listed.',
      querystring: PageQuery, response: { 200: Page(CatalogReward), ...problemResponses } },
  }, async (request) => memberCatalog(ctx, request.programId, request.memberId, pageOf(request.query)));

  app.post('/v1/me/rewards/:rewardId/purchase', {
    config: { auth: 'member', idempotent: true },
    schema: { tags: ['member self-service'], summary: 'The logged-in member buys a reward of their catalog', description: issueDescription,
      params: RewardParams, body: OwnPurchaseBody, response: { 201: Voucher, ...problemResponses, 429: problemResponses[400] } },
  }, async (request, reply) => reply.code(201).send(
    await purchaseReward(ctx, request.programId, request.params.rewardId, { memberId: request.memberId, units: request.body?.units }, 'member')));
};
