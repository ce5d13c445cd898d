import { uuidv7 } from '../../domain/ids.ts';
import { Problem, notFound } from '../../domain/problem.ts';
import { applyRewardInput, newReward, type RewardInput, type RewardType } from '../../domain/rewards/reward.ts';
import type { Queryable } from '../../storage/db.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import { codeCounts } from '../../storage/rewards/codes.ts';
import * as rewards from '../../storage/rewards/rewards.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { loadDefinition } from '../ledger/ledger-scope.ts';
import { requireTiers } from '../tiers/tier-catalog.ts';
import { rewardView } from './views.ts';

/**
 * The reward catalog. Rewards are never deleted (vouchers refer to them): `active: false` takes
 * one out of the catalog and stops its issuing. Shapes are the HTTP schema's business; every
 * rule on values is checked in the domain, so every caller gets the same 422 answers.
 */

export async function loadReward(tx: Queryable, programId: string, id: string, forUpdate = false) {
  const reward = await rewards.findReward(tx, programId, id, forUpdate);
  if (!reward) throw notFound('reward', id);
  return reward;
}

/** Rewards another part grants (a campaign effect, a tier on entry) must exist: 404 naming the field. */
export async function requireReward(tx: Queryable, programId: string, id: string, field: string): Promise<void> {
  if (!(await rewards.findReward(tx, programId, id))) {
    throw new Problem(404, 'not-found', 'Not found', `reward ${id} does not exist`, [{ field, message: 'is not a reward of this program' }]);
  }
}

/** A cost without a definition is paid in the program's default one; a named one must exist. */
async function withDefinition<T extends RewardInput>(tx: Queryable, programId: string, input: T, needsUnits: boolean): Promise<T> {
  if (input.balanceDefinitionId) {
    await loadDefinition(tx, programId, input.balanceDefinitionId);
    return input;
  }
  if (input.balanceDefinitionId === undefined && needsUnits) {
    return { ...input, balanceDefinitionId: (await loadDefinition(tx, programId, undefined)).id };
  }
  return input;
}

export async function createReward(ctx: ServiceContext, programId: string, input: RewardInput & { name: string; type: RewardType }) {
  return ctx.db.transaction(async (tx) => {
    const { now } = await programScope(tx, ctx, programId, 'api');
    const complete = await withDefinition(tx, programId, input, (input.cost ?? 0) > 0 || input.type === 'conversion_coupon');
    const reward = newReward(complete, { id: uuidv7(now), programId, now });
    if (reward.targeting.kind === 'tiers') await requireTiers(tx, programId, reward.targeting.tierIds, '/targeting/tierIds');
    await rewards.insertReward(tx, reward);
    return rewardView(reward, { total: 0, free: 0 });
  });
}

export async function updateReward(ctx: ServiceContext, programId: string, id: string, input: RewardInput) {
  return ctx.db.transaction(async (tx) => {
    const { now } = await programScope(tx, ctx, programId, 'api');
    const current = await loadReward(tx, programId, id, true);
    const type = input.type ?? current.type;
    const complete = await withDefinition(tx, programId, input,
      current.balanceDefinitionId === null && ((input.cost ?? current.cost) > 0 || type === 'conversion_coupon'));
    if (input.codeSource && input.codeSource !== current.codeSource && current.issued > 0) {
      throw new Problem(409, 'conflict', 'Conflict', 'codeSource cannot change once vouchers were issued', [{ field: '/codeSource', message: 'is fixed once vouchers were issued' }]);
    }
    const next = { ...applyRewardInput(current, complete), updatedAt: now };
    if (input.targeting?.kind === 'tiers') await requireTiers(tx, programId, input.targeting.tierIds, '/targeting/tierIds');
    await rewards.saveReward(tx, next);
    return rewardView(next, await codeCounts(tx, id));
  });
}

export async function getReward(ctx: ServiceContext, programId: string, id: string) {
  const reward = await loadReward(ctx.db, programId, id);
  return rewardView(reward, await codeCounts(ctx.db, id));
}

export async function listRewards(ctx: ServiceContext, programId: string, filter: rewards.RewardFilter, page: PageRequest) {
  return toPage(await rewards.listRewards(ctx.db, programId, filter, page), page.limit, (r) => rewardView(r));
}
