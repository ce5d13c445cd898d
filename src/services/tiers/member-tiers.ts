import { Problem, conflict, invalidInput, notFound } from '../../domain/problem.ts';
import type { MemberTier } from '../../domain/tiers/tier-group.ts';
import type { Queryable } from '../../storage/db.ts';
import { memberTiers } from '../../storage/tiers/member-tiers.ts';
import { findGroup, tiersOfGroups } from '../../storage/tiers/tier-groups.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { loadMember, requireStatus } from '../members/load-member.ts';
import { changeTier, momentsOf, saveMemberTier, type TierHolder } from './change.ts';
import { earnedTier, tierHolder } from './recalculate.ts';

/** A member's tiers, one per group, with what is manual and when the next recalculation is. */
async function memberTierViews(tx: Queryable, programId: string, memberId: string) {
  return tx.query<{ groupId: string; groupName: string; tierId: string; tierName: string; order: number; manual: boolean;
    attributedAt: string; nextRecalculationAt: string | null }>(
    `SELECT g.id AS "groupId", g.name AS "groupName", t.id AS "tierId", t.name AS "tierName", t.position AS "order", mt.manual,
       to_char(mt.attributed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "attributedAt",
       to_char(mt.review_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "nextRecalculationAt"
     FROM member_tiers mt JOIN tier_groups g ON g.id = mt.group_id JOIN tiers t ON t.id = mt.tier_id
     WHERE mt.program_id = $1 AND mt.member_id = $2 ORDER BY g.id`,
    [programId, memberId],
  );
}

export async function listMemberTiers(ctx: ServiceContext, programId: string, memberId: string) {
  return ctx.db.transaction(async (tx) => {
    await loadMember(tx, programId, memberId);
    return { data: await memberTierViews(tx, programId, memberId) };
  });
}

interface ManualScope {
  scope: ProgramScope;
  holder: TierHolder;
  group: NonNullable<Awaited<ReturnType<typeof findGroup>>>;
  tiers: Awaited<ReturnType<typeof tiersOfGroups>>;
  current: MemberTier | undefined;
}

/** An admin's change of a member's tier: the member (active, owner of a subscription) and the group, locked. */
async function manualChange<T>(ctx: ServiceContext, programId: string, memberId: string, groupId: string,
  work: (tx: Queryable, m: ManualScope) => Promise<T>) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['active'], 'change the tier');
    const holder = await tierHolder(tx, programId, member);
    if (!holder) {
      throw new Problem(409, 'no-subscription', 'Member holds no tiers',
        'tiers belong to the owner of an active subscription; this member has none of their own');
    }
    const group = await findGroup(tx, programId, groupId);
    if (!group) throw notFound('tier group', groupId);
    const tiers = await tiersOfGroups(tx, programId, [groupId]);
    const current = (await memberTiers(tx, programId, memberId, true)).find((r) => r.groupId === groupId);
    await work(tx, { scope, holder, group, tiers, current });
    return { data: await memberTierViews(tx, programId, memberId) };
  });
}

/** Keeps the tier row as it is but manual or not; the review moments follow (a manual tier has none). */
async function remark(tx: Queryable, m: ManualScope, manual: boolean) {
  const row = { ...m.current!, manual };
  await saveMemberTier(tx, m.scope, { ...row, ...momentsOf(m.scope, m.group, row, m.holder.subscription.createdAt),
    updatedAt: m.scope.emit.now });
}

/** An admin assigns a tier by hand; recalculations keep it until the assignment is removed. */
export async function assignTier(ctx: ServiceContext, programId: string, memberId: string, groupId: string, tierId: string) {
  return manualChange(ctx, programId, memberId, groupId, async (tx, m) => {
    const to = m.tiers.find((t) => t.id === tierId);
    if (!to) throw invalidInput('/tierId', 'is not a tier of this group');
    if (m.current?.tierId === tierId) {
      if (!m.current.manual) await remark(tx, m, true);
      return;
    }
    await changeTier(tx, m.scope, m.holder, m.group, m.tiers, m.current, { to, manualRow: true, byAdmin: true, sourceEventId: null });
  });
}

/** An admin removes a manual assignment: the member goes back to the tier their standing earns. */
export async function removeManualTier(ctx: ServiceContext, programId: string, memberId: string, groupId: string) {
  return manualChange(ctx, programId, memberId, groupId, async (tx, m) => {
    if (!m.current?.manual) throw conflict('the member has no manual tier in this group');
    const to = (await earnedTier(tx, m.scope, m.holder, m.tiers))!;
    if (to.id === m.current.tierId) return remark(tx, m, false);
    await changeTier(tx, m.scope, m.holder, m.group, m.tiers, m.current, { to, manualRow: false, byAdmin: true, sourceEventId: null });
  });
}
