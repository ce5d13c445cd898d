import { Problem } from '../../domain/problem.ts';
import type { Tier, TierGroup } from '../../domain/tiers/tier-group.ts';
import type { Queryable } from '../../storage/db.ts';
import type { ProgramScope } from '../emit-context.ts';
import { findTier, programGroups, tiersOfGroups } from '../../storage/tiers/tier-groups.ts';

export interface GroupWithTiers {
  group: TierGroup;
  tiers: Tier[];
}

/** A program's tier groups with their tiers (lowest first); only the real-time ones when asked. */
export async function groupsWithTiers(tx: Queryable, programId: string, onlyRealtime = false): Promise<GroupWithTiers[]> {
  const groups = await programGroups(tx, programId, onlyRealtime);
  const tiers = await tiersOfGroups(tx, programId, groups.map((g) => g.id));
  return groups.map((group) => ({ group, tiers: tiers.filter((t) => t.groupId === group.id) }));
}

/**
 * The real-time groups per transaction and program: a transaction that moves many balances (an
 * import, a transfer) asks once, and a program the scope found without any is not asked at all
 * (most balance changes). Groups are changed by their own admin transactions, never inside one
 * that moves balances, so neither can go stale while it is used.
 */
const realtimeCache = new WeakMap<Queryable, Map<string, GroupWithTiers[]>>();

export async function realtimeGroups(tx: Queryable, scope: ProgramScope): Promise<GroupWithTiers[]> {
  if (!scope.hasRealtimeTierGroups) return [];
  const programId = scope.program.id;
  // The database itself (outside a transaction) lives on: never cache for it.
  if ('transaction' in tx) return groupsWithTiers(tx, programId, true);
  let perProgram = realtimeCache.get(tx);
  if (!perProgram) realtimeCache.set(tx, (perProgram = new Map()));
  let found = perProgram.get(programId);
  if (!found) {
    const groups = await programGroups(tx, programId, true);
    found = groups.length === 0 ? [] : await groupsWithTiers(tx, programId, true);
    perProgram.set(programId, found);
  }
  return found;
}

export const tierRef = (t: Pick<Tier, 'id' | 'name'>) => ({ id: t.id, name: t.name });
export const groupRef = (g: Pick<TierGroup, 'id' | 'name'>) => ({ id: g.id, name: g.name });

/** Tiers another part names (a campaign's or a reward's targeting) must exist: 404 naming the field of the first that does not. */
export async function requireTiers(tx: Queryable, programId: string, ids: string[], field: string): Promise<void> {
  for (const [i, id] of ids.entries()) {
    if (!(await findTier(tx, programId, id))) {
      throw new Problem(404, 'not-found', 'Not found', `tier ${id} does not exist`, [{ field: `${field}/${i}`, message: 'is not a tier of this program' }]);
    }
  }
}
