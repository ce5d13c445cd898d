import { memberLive } from '../../domain/members/live.ts';
import { computedTier, isUpgrade } from '../../domain/tiers/qualify.ts';
import { strategyAllows } from '../../domain/tiers/moments.ts';
import type { MemberTier, Strategy, Tier } from '../../domain/tiers/tier-group.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMember, type MemberRow } from '../../storage/members.ts';
import { findMemberSubscription, type SubscriptionRow } from '../../storage/subscriptions.ts';
import { memberTiers } from '../../storage/tiers/member-tiers.ts';
import type { ProgramScope } from '../emit-context.ts';
import { changeTier, holderOf, isResettingUnits, momentsOf, saveMemberTier, type TierHolder } from './change.ts';
import { gatherStanding } from './standing.ts';
import { groupsWithTiers, realtimeGroups, type GroupWithTiers } from './tier-catalog.ts';

/**
 * Why a member's tier is being recalculated, which decides which moves the group's strategies allow:
 * a balance change (real-time strategies), a scheduled moment (the strategies whose moment it
 * is, and real time), or an admin's recalculation of the program (any move but a downgrade of
 * a group that never downgrades).
 */
export type Occasion = { kind: 'realtime' } | { kind: 'moment'; at: Date; joinedAt: Date; attributedAt: Date } | { kind: 'program' };

function allows(strategy: Strategy, occasion: Occasion, timezone: string): boolean {
  if (strategy.kind === 'none') return false;
  switch (occasion.kind) {
    case 'realtime': return strategy.kind === 'realtime';
    case 'program': return true;
    default: return strategyAllows(strategy, occasion, occasion.at, timezone);
  }
}

/** The tier a member's standing earns in a group now. */
export async function earnedTier(tx: Queryable, scope: ProgramScope, holder: TierHolder, tiers: Tier[]): Promise<Tier | undefined> {
  const standing = await gatherStanding(tx, holder.subscription, tiers.flatMap((t) => t.conditions), scope.now, scope.program.timezone);
  return computedTier(tiers, standing);
}

/**
 * Recalculates one group for a member and moves them when the strategy allows it. A manual
 * tier is kept. Returns whether the tier changed.
 */
export async function recalculateGroup(
  tx: Queryable, scope: ProgramScope, holder: TierHolder, { group, tiers }: GroupWithTiers, current: MemberTier | undefined,
  occasion: Occasion, sourceEventId: string | null,
): Promise<boolean> {
  if (current?.manual) return false;
  const target = await earnedTier(tx, scope, holder, tiers);
  if (!target || target.id === current?.tierId) return false;
  const from = current ? tiers.find((t) => t.id === current.tierId) : undefined;
  const strategy = isUpgrade(from, target) ? group.upgradeStrategy : group.downgradeStrategy;
  // A member without a tier in the group (created after they enrolled) gets their earned tier at once.
  if (current && !allows(strategy, occasion, scope.program.timezone)) return false;
  const { unitsReset } = await changeTier(tx, scope, holder, group, tiers, current, { to: target, manualRow: false, byAdmin: false, sourceEventId });
  if (unitsReset) await recalculateAfterReset(tx, scope, holder, group.id, sourceEventId);
  return true;
}

/** Per transaction: the groups whose downgrade resets led to the follow-up running now. */
const resetChain = new WeakMap<Queryable, Set<string>>();

/**
 * After a downgrade's resets took units (their own debits recalculate nothing, so the group that
 * reset cannot move again on them), the member's other real-time groups are recalculated once on
 * the new balances. A group whose resets are in the chain is left out, so each group resets at
 * most once per chain and it cannot loop.
 */
async function recalculateAfterReset(tx: Queryable, scope: ProgramScope, holder: TierHolder, groupId: string, sourceEventId: string | null) {
  const outermost = !resetChain.has(tx);
  const chain = resetChain.get(tx) ?? new Set<string>();
  chain.add(groupId);
  resetChain.set(tx, chain);
  try {
    for (const entry of await realtimeGroups(tx, scope)) {
      if (chain.has(entry.group.id)) continue;
      await recalculateGroup(tx, scope, holder, entry, await memberTier(tx, scope.program.id, holder.member.id, entry.group.id),
        { kind: 'realtime' }, sourceEventId);
    }
  } finally {
    if (outermost) resetChain.delete(tx);
  }
}

/** A member's row in one group, read again (a change may have moved their other groups: a reset's follow-up, a campaign's units). */
export async function memberTier(tx: Queryable, programId: string, memberId: string, groupId: string) {
  return (await memberTiers(tx, programId, memberId, true)).find((r) => r.groupId === groupId);
}

/** The owner of an active subscription: the member who holds tiers (added household members share balances, not tiers). */
export async function tierHolder(tx: Queryable, programId: string, member: MemberRow): Promise<TierHolder | undefined> {
  const subscription = await findMemberSubscription(tx, programId, member.id);
  if (!subscription || subscription.memberId !== member.id) return undefined;
  return holderOf(member, subscription);
}

/**
 * Recalculates a member's tiers after a change of their standing (a completed balance change),
 * in the caller's transaction, in the groups whose strategies are real time. Free when the
 * program has none (the program scope knows).
 */
export async function recalculateMemberTier(
  tx: Queryable, scope: ProgramScope, memberId: string, cause: { sourceEventId: string | null },
): Promise<void> {
  const groups = await realtimeGroups(tx, scope);
  if (groups.length === 0 || isResettingUnits(tx)) return;
  const member = await findMember(tx, scope.program.id, memberId);
  if (!member || !memberLive(member)) return;
  const holder = await tierHolder(tx, scope.program.id, member);
  if (!holder) return;
  let current = await memberTiers(tx, scope.program.id, memberId, true);
  for (const entry of groups) {
    const changed = await recalculateGroup(tx, scope, holder, entry, current.find((c) => c.groupId === entry.group.id), { kind: 'realtime' },
      cause.sourceEventId);
    // A change may have moved the member's other groups too (a reset's follow-up, a campaign's units).
    if (changed) current = await memberTiers(tx, scope.program.id, memberId, true);
  }
}

/**
 * After a sweep changed the balances of some members (lots expired or activated): their real-time
 * tiers, each member once. Nothing to do when the program has no real-time group.
 */
export async function recalculateMembersTiers(
  tx: Queryable, scope: ProgramScope, memberIds: string[], cause: { sourceEventId: string | null },
): Promise<void> {
  if (memberIds.length === 0 || (await realtimeGroups(tx, scope)).length === 0) return;
  for (const memberId of new Set(memberIds)) await recalculateMemberTier(tx, scope, memberId, cause);
}

/** A member's current tier in each group. */
export async function currentTiers(tx: Queryable, programId: string, memberId: string) {
  return tx.query<{ groupId: string; groupName: string; tierId: string; tierName: string }>(
    `SELECT g.id AS "groupId", g.name AS "groupName", t.id AS "tierId", t.name AS "tierName"
     FROM member_tiers mt JOIN tier_groups g ON g.id = mt.group_id JOIN tiers t ON t.id = mt.tier_id
     WHERE mt.program_id = $1 AND mt.member_id = $2 ORDER BY g.id`,
    [programId, memberId],
  );
}

/**
 * A new member's entry tiers: the default tier of every group, in the enrolment's transaction
 * (CustomerLevelChanged with no previous level, direction up).
 */
export async function assignEntryTiers(
  tx: Queryable, scope: ProgramScope, member: MemberRow, subscription: SubscriptionRow, sourceEventId: string,
): Promise<void> {
  const groups = await groupsWithTiers(tx, scope.program.id);
  if (groups.length === 0) return;
  const holder = holderOf(member, subscription);
  // A member enrolling again (after a revocation) starts again from the entry tier.
  const previous = await memberTiers(tx, scope.program.id, member.id, true);
  for (const { group, tiers } of groups) {
    const entry = tiers.find((t) => t.isDefault);
    const current = previous.find((r) => r.groupId === group.id);
    if (!entry) continue;
    if (current?.tierId === entry.id) {
      const row = { manual: false, attributedAt: scope.now };
      await saveMemberTier(tx, scope, { ...current, ...row, ...momentsOf(scope, group, row, subscription.createdAt), updatedAt: scope.emit.now });
    } else {
      await changeTier(tx, scope, holder, group, tiers, current, { to: entry, manualRow: false, byAdmin: false, sourceEventId });
    }
  }
}
