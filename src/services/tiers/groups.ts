import { uuidv7 } from '../../domain/ids.ts';
import { Problem, conflict, invalidInput, notFound } from '../../domain/problem.ts';
import { applyGroupInput, applyTierInput, type GroupInput, type TierInput } from '../../domain/tiers/tier-rules.ts';
import type { Tier, TierGroup } from '../../domain/tiers/tier-group.ts';
import type { Queryable } from '../../storage/db.ts';
import { findDefinition } from '../../storage/ledger/definitions.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import * as store from '../../storage/tiers/tier-groups.ts';
import type { ServiceContext } from '../context.ts';
import { requireReward } from '../rewards/rewards.ts';
import { programScope } from '../emit-context.ts';

/**
 * Tier groups and their tiers. Never deleted: member tiers and past events refer to them. A
 * change of the rules applies to recalculations from then on; an admin recalculates every
 * member at once with a program recalculation (program-recalculation.ts).
 */

export function tierView(t: Tier) {
  return {
    id: t.id, groupId: t.groupId, name: t.name, order: t.order, isDefault: t.isDefault, conditions: t.conditions,
    conditionsMatch: t.conditionsMatch, rewardsOnEntry: t.rewardsOnEntry, metadata: t.metadata,
    createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString(),
  };
}

export function groupView(g: TierGroup, tiers: Tier[]) {
  return {
    id: g.id, name: g.name, upgradeStrategy: g.upgradeStrategy, downgradeStrategy: g.downgradeStrategy,
    downgradeResets: g.downgradeResets, anniversaryReminderDaysBefore: g.anniversaryReminderDaysBefore,
    tiers: tiers.map(tierView), createdAt: g.createdAt.toISOString(), updatedAt: g.updatedAt.toISOString(),
  };
}

async function requireDefinitions(tx: Queryable, programId: string, ids: Array<[string, string]>) {
  for (const [field, id] of ids) {
    if (!(await findDefinition(tx, programId, id))) throw invalidInput(field, 'is not a balance definition of this program');
  }
}

async function loadGroup(tx: Queryable, programId: string, id: string, forUpdate = false) {
  const group = await store.findGroup(tx, programId, id, forUpdate);
  if (!group) throw notFound('tier group', id);
  return group;
}

async function viewOf(tx: Queryable, group: TierGroup) {
  return groupView(group, await store.tiersOfGroups(tx, group.programId, [group.id]));
}

export async function createGroup(ctx: ServiceContext, programId: string, input: GroupInput & { name: string }) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const group = applyGroupInput(null, input, { id: uuidv7(scope.now), programId }, scope.emit.now);
    await requireDefinitions(tx, programId, group.downgradeResets.map((r, i) => [`/downgradeResets/${i}/balanceDefinitionId`, r.balanceDefinitionId]));
    await store.insertGroup(tx, group);
    return viewOf(tx, group);
  });
}

export async function updateGroup(ctx: ServiceContext, programId: string, id: string, input: GroupInput) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const current = await loadGroup(tx, programId, id, true);
    const group = applyGroupInput(current, input, current, scope.emit.now);
    await requireDefinitions(tx, programId, group.downgradeResets.map((r, i) => [`/downgradeResets/${i}/balanceDefinitionId`, r.balanceDefinitionId]));
    await store.saveGroup(tx, group);
    return viewOf(tx, group);
  });
}

export async function getGroup(ctx: ServiceContext, programId: string, id: string) {
  return ctx.db.transaction(async (tx) => viewOf(tx, await loadGroup(tx, programId, id)));
}

export async function listGroups(ctx: ServiceContext, programId: string, page: PageRequest) {
  return ctx.db.transaction(async (tx) => {
    const rows = await store.listGroups(tx, programId, page);
    const tiers = await store.tiersOfGroups(tx, programId, rows.map((g) => g.id));
    return toPage(rows, page.limit, (g) => groupView(g, tiers.filter((t) => t.groupId === g.id)));
  });
}

/**
 * The order of a group's tiers must keep the default (the entry tier, the floor) strictly
 * lowest, and no two tiers share an order.
 */
function checkPlace(tier: Tier, others: Tier[]) {
  const clash = others.find((t) => t.order === tier.order);
  if (clash) throw conflict(`tier "${clash.name}" already has order ${tier.order} in this group`, '/order');
  if (tier.isDefault) {
    const lower = others.find((t) => t.order < tier.order);
    if (lower) throw invalidInput('/order', `the default tier must be the lowest of its group; "${lower.name}" has order ${lower.order}`);
    return;
  }
  const floor = others.find((t) => t.isDefault);
  if (!floor) throw invalidInput('/isDefault', 'the first tier of a group is its default entry tier');
  if (tier.order <= floor.order) throw invalidInput('/order', `must be above the default tier "${floor.name}" (order ${floor.order})`);
}

async function saveTierChecked(tx: Queryable, tier: Tier, others: Tier[], isNew: boolean, now: Date) {
  checkPlace(tier, others);
  await requireDefinitions(tx, tier.programId, tier.conditions.flatMap((c, i) =>
    'balanceDefinitionId' in c ? [[`/conditions/${i}/balanceDefinitionId`, c.balanceDefinitionId] as [string, string]] : []));
  for (const [i, rewardId] of tier.rewardsOnEntry.entries()) await requireReward(tx, tier.programId, rewardId, `/rewardsOnEntry/${i}`);
  const previousDefault = others.find((t) => t.isDefault);
  // A new default takes over from the old one, which becomes an ordinary tier above it (reached
  // by manual assignment until it is given conditions).
  if (tier.isDefault && previousDefault) {
    await store.saveTier(tx, { ...previousDefault, isDefault: false, updatedAt: now });
  }
  if (isNew) await store.insertTier(tx, tier);
  else await store.saveTier(tx, tier);
  return tier;
}

export async function createTier(ctx: ServiceContext, programId: string, groupId: string, input: TierInput & { name: string; order: number }) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const group = await loadGroup(tx, programId, groupId, true);
    const others = await store.tiersOfGroups(tx, programId, [group.id]);
    if (others.length === 0 && input.isDefault === false) throw invalidInput('/isDefault', 'the first tier of a group is its default entry tier');
    const tier = applyTierInput(null, { ...input, isDefault: input.isDefault ?? others.length === 0 },
      { id: uuidv7(scope.now), programId, groupId }, scope.emit.now);
    return tierView(await saveTierChecked(tx, tier, others, true, scope.emit.now));
  });
}

export async function updateTier(ctx: ServiceContext, programId: string, groupId: string, tierId: string, input: TierInput) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const group = await loadGroup(tx, programId, groupId, true);
    const all = await store.tiersOfGroups(tx, programId, [group.id]);
    const current = all.find((t) => t.id === tierId);
    if (!current) throw notFound('tier', tierId);
    if (current.isDefault && input.isDefault === false) {
      throw new Problem(422, 'invalid-input', 'Invalid input', '/isDefault: make another tier the default instead',
        [{ field: '/isDefault', message: 'a group always has a default tier: make another tier the default instead' }]);
    }
    const tier = applyTierInput(current, input, current, scope.emit.now);
    return tierView(await saveTierChecked(tx, tier, all.filter((t) => t.id !== tierId), false, scope.emit.now));
  });
}
