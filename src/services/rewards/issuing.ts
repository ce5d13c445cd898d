import { Problem } from '../../domain/problem.ts';
import { periodStart } from '../../domain/calendar.ts';
import type { Period } from '../../domain/rewards/reward.ts';
import type { VoucherSource } from '../../domain/rewards/voucher.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import { findReward, listCatalog } from '../../storage/rewards/rewards.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { loadMember } from '../members/load-member.ts';
import { issueVoucherInTransaction } from './issue-voucher.ts';
import { memberTierIds } from './member-tiers.ts';
import { catalogView } from './views.ts';

/**
 * Issues in one transaction and, when refused, commits voucher_attribution_failed before
 * answering the refusal as a problem.
 */
async function issueOrRefuse(
  ctx: ServiceContext, programId: string, rewardId: string, memberId: string, source: VoucherSource, eventSource: string,
  extra: { units?: number; memberCatalog?: boolean } = {},
) {
  const result = await ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, eventSource);
    if (extra.memberCatalog) {
      // A member buys only what their catalog shows; others' rewards stay unseen, not refused.
      const reward = await findReward(tx, programId, rewardId);
      if (!reward || !reward.visible) throw new Problem(404, 'not-found', 'Not found', `reward ${rewardId} is not in your catalog`);
    }
    return issueVoucherInTransaction(tx, scope, { rewardId, memberId, source, units: extra.units });
  });
  if (!result.ok) throw result.problem;
  return result.voucher;
}

/** A member buys a reward (through the integration API or their own app): its cost is debited from their balance. */
export async function purchaseReward(
  ctx: ServiceContext, programId: string, rewardId: string, input: { memberId: string; units?: number }, by: 'api' | 'member' = 'api',
) {
  return issueOrRefuse(ctx, programId, rewardId, input.memberId, 'purchase', by, { units: input.units, memberCatalog: by === 'member' });
}

/** An admin gives a reward to a member, free of charge. */
export async function assignReward(ctx: ServiceContext, programId: string, rewardId: string, input: { memberId: string }) {
  return issueOrRefuse(ctx, programId, rewardId, input.memberId, 'admin', 'admin');
}

/**
 * The rewards a member may get now: active, visible, inside their window, targeting them, and
 * not refused for a passed validity date, an empty pool or a limit they reached.
 */
export async function memberCatalog(ctx: ServiceContext, programId: string, memberId: string, page: PageRequest) {
  const member = await loadMember(ctx.db, programId, memberId);
  const scope = await programScope(ctx.db, ctx, programId, 'member');
  const tierIds = await memberTierIds(ctx.db, programId, memberId);
  // The periods' starts as issuing counts them, so the catalog hides exactly what issuing would refuse.
  const { now, program: { timezone } } = scope;
  const periods: Period[] = ['day', 'week', 'month', 'year'];
  const periodStarts = Object.fromEntries(periods.map((p) => [p, periodStart(p, now, timezone)])) as Record<Period, Date>;
  return toPage(await listCatalog(ctx.db, programId, member, tierIds, now, timezone, periodStarts, page), page.limit, catalogView);
}
