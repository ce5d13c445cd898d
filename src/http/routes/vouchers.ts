import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import * as vouchers from '../../services/rewards/vouchers.ts';
import { Page, problemResponses } from '../schemas/common.ts';
import { MemberParams } from '../schemas/members.ts';
import { CommentBody, OwnVoucherQuery, RedeemBody, ValidateBody, Validation, Voucher, VoucherParams, VoucherQuery } from '../schemas/rewards.ts';
import { pageOf } from './programs.ts';

const tags = ['vouchers'];
const base = '/v1/vouchers';

const refusals = 'A refusal fires voucher_redeem_unauthorized with the reason and answers 409: `voucher-revoked`, `voucher-cancelled`, '
  + '`voucher-used`, `voucher-expired`, `voucher-not-yet-valid`, `voucher-wrong-member`, `voucher-member-inactive`, `voucher-redemption-pending`.';

/** Issued vouchers: look-ups, redemption (validate, redeem, complete, cancel), revocation and cancellation. */
export const voucherRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(base, {
    config: { auth: 'program' },
    schema: { tags, summary: 'List vouchers, oldest first', querystring: VoucherQuery, response: { 200: Page(Voucher), ...problemResponses } },
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query;
    return vouchers.listVouchers(ctx, request.programId, filter, pageOf({ limit, cursor }));
  });

  app.get(`${base}/:voucherId`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Get a voucher', params: VoucherParams, response: { 200: Voucher, ...problemResponses } },
  }, async (request) => vouchers.getVoucher(ctx, request.programId, request.params.voucherId));

  app.get('/v1/members/:memberId/vouchers', {
    config: { auth: 'program' },
    schema: { tags, summary: "A member's vouchers", params: MemberParams, querystring: OwnVoucherQuery, response: { 200: Page(Voucher), ...problemResponses } },
  }, async (request) => {
    const { limit, cursor, status } = request.query;
    return vouchers.listVouchers(ctx, request.programId, { memberId: request.params.memberId, status }, pageOf({ limit, cursor }));
  });

  app.post(`${base}/validate`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Check whether a voucher can be redeemed now (for a point of sale); changes nothing, fires nothing',
      body: ValidateBody, response: { 200: Validation, ...problemResponses } },
  }, async (request) => vouchers.validateVoucher(ctx, request.programId, request.body));

  app.post(`${base}/redeem`, {
    config: { auth: 'program', idempotent: true },
    schema: { tags, summary: 'Redeem a voucher by code or id: pending until completed, or at once with autoComplete',
      description: `Completion fires voucher_redeemed and RewardRedemptionStatusChanged (active → used). ${refusals} `
        + 'The refusal comes first: `value` (required for a dynamic coupon, refused for any other, 422 `/value`) is checked only for a voucher that can be redeemed.',
      body: RedeemBody, response: { 200: Voucher, ...problemResponses } },
  }, async (request) => vouchers.redeemVoucher(ctx, request.programId, request.body));

  app.post(`${base}/:voucherId/redemption/complete`, {
    config: { auth: 'program' },
    schema: { tags, summary: "Complete a voucher's pending redemption (voucher_redeemed)",
      description: `The voucher is checked again (it may have expired meanwhile). ${refusals}`,
      params: VoucherParams, response: { 200: Voucher, ...problemResponses } },
  }, async (request) => vouchers.completeRedemption(ctx, request.programId, request.params.voucherId));

  app.post(`${base}/:voucherId/redemption/cancel`, {
    config: { auth: 'program' },
    schema: { tags, summary: "Cancel a voucher's pending redemption (voucher_redeem_unauthorized, \"Voucher redemption cancelled\"); it can be redeemed again",
      params: VoucherParams, response: { 200: Voucher, ...problemResponses } },
  }, async (request) => vouchers.cancelRedemption(ctx, request.programId, request.params.voucherId));

  app.post(`${base}/:voucherId/revoke`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Revoke an unused voucher (voucher_revoked, RewardRedemptionStatusChanged → cancelled); units paid stay spent',
      params: VoucherParams, body: CommentBody, response: { 200: Voucher, ...problemResponses } },
  }, async (request) => vouchers.revokeVoucher(ctx, request.programId, request.params.voucherId, request.body?.comment));

  app.post(`${base}/:voucherId/cancel`, {
    config: { auth: 'program' },
    schema: { tags, summary: 'Cancel an unused voucher: the units paid for it go back to the member',
      description: 'The purchase debit is reversed (ledger events, reason cancel), the voucher stops counting against the limits, '
        + 'and RewardRedemptionStatusChanged (→ returned) and voucher_revoked (source_event_id: the reversal) fire.',
      params: VoucherParams, body: CommentBody, response: { 200: Voucher, ...problemResponses } },
  }, async (request) => vouchers.cancelVoucher(ctx, request.programId, request.params.voucherId, request.body?.comment));

  app.get('/v1/me/vouchers', {
    config: { auth: 'member' },
    schema: { tags: ['member self-service'], summary: "The logged-in member's vouchers", querystring: OwnVoucherQuery,
      response: { 200: Page(Voucher), ...problemResponses } },
  }, async (request) => {
    const { limit, cursor, status } = request.query;
    return vouchers.listVouchers(ctx, request.programId, { memberId: request.memberId, status }, pageOf({ limit, cursor }));
  });
};
