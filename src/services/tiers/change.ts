import { isUpgrade, rewardsToGrantOnEntry } from '../../domain/tiers/qualify.ts';
import { memberTierMoments, type MemberTierMoments } from '../../domain/tiers/moments.ts';
import type { MemberTier, Tier, TierGroup } from '../../domain/tiers/tier-group.ts';
import type { MemberSnapshot } from '../../events/context.ts';
import { emitEvent } from '../../outbox/emit.ts';
import { scheduleJob } from '../../scheduler/schedule.ts';
import type { Queryable } from '../../storage/db.ts';
import type { MemberRow } from '../../storage/members.ts';
import type { SubscriptionRow } from '../../storage/subscriptions.ts';
import { upsertMemberTier } from '../../storage/tiers/member-tiers.ts';
import { runCampaigns, type CampaignTriggerEvent } from '../campaigns/run.ts';
import type { ProgramScope } from '../emit-context.ts';
import { openBalance } from '../ledger/ledger-scope.ts';
import { createInScope } from '../ledger/transactions.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { issueVoucherInTransaction } from '../rewards/issue-voucher.ts';
import { groupRef, tierRef } from './tier-catalog.ts';

export const tierJobs = {
  /** One per program and moment: every member tier moment due by then (see tier-jobs.ts). */
  due: 'tiers.due',
  recalculateProgram: 'tiers.recalculate-program',
} as const;

/** The member whose tiers change, with the subscription that owns their balances. */
export interface TierHolder {
  member: MemberRow;
  subscription: SubscriptionRow;
  snapshot: MemberSnapshot;
}

export const holderOf = (member: MemberRow, subscription: SubscriptionRow): TierHolder =>
  ({ member, subscription, snapshot: memberSnapshot(member, subscription) });

export function momentsOf(scope: ProgramScope, group: TierGroup, row: Pick<MemberTier, 'manual' | 'attributedAt'>, joinedAt: Date): MemberTierMoments {
  const days = scope.program.settings.expiringNotifications.tiersDaysBefore;
  return memberTierMoments(group, row, joinedAt, scope.now, scope.program.timezone,
    { levelWillExpire: days, tierAnniversary: group.anniversaryReminderDaysBefore ?? days });
}

/** Saves a member's tier row and puts each of its moments on the schedule (one job per program and moment). */
export async function saveMemberTier(tx: Queryable, scope: ProgramScope, row: MemberTier): Promise<void> {
  await upsertMemberTier(tx, row);
  const moments = [row.reviewAt, row.reviewReminderAt, row.tierReminderAt, row.monthAnniversaryAt];
  const distinct = new Set(moments.filter((m): m is Date => m !== null && m > scope.now).map((m) => m.toISOString()));
  for (const at of distinct) {
    await scheduleJob(tx, { programId: scope.program.id, kind: tierJobs.due, runAt: new Date(at), payload: {},
      dedupeKey: `${tierJobs.due}:${at}`, now: scope.emit.now });
  }
}

/** Tells whether the current transaction is resetting units for a downgrade (its debits must not recalculate tiers). */
const resetting = new WeakSet<Queryable>();
export const isResettingUnits = (tx: Queryable) => resetting.has(tx);

/** A downgrade's resets, through the ledger's own deduction and its events; whether any units were taken. */
async function applyDowngradeResets(tx: Queryable, scope: ProgramScope, holder: TierHolder, group: TierGroup, sourceEventId: string | null) {
  let deducted = false;
  resetting.add(tx);
  try {
    for (const reset of group.downgradeResets) {
      const [balance] = await tx.query<{ available: number }>(
        `SELECT available FROM balances WHERE subscription_id = $1 AND definition_id = $2`, [holder.subscription.id, reset.balanceDefinitionId]);
      if (!balance || balance.available <= 0) continue;
      const ls = await openBalance(tx, scope, { memberId: holder.member.id, balanceDefinitionId: reset.balanceDefinitionId });
      if (ls.balance.available <= 0) continue;
      // A refusal (a debit cap, a velocity limit) has fired its balance_transaction_unauthorized; the downgrade stands.
      await createInScope(tx, ls, { memberId: holder.member.id, kind: 'debit', amount: ls.balance.available, reason: 'deduct',
        autoComplete: true, comment: `tier downgrade in ${group.name}`, sourceEventId: sourceEventId ?? undefined });
      deducted = true;
    }
  } finally {
    resetting.delete(tx);
  }
  return deducted;
}

export interface TierChange {
  to: Tier;
  /** The tier row is a manual assignment (kept by recalculations). */
  manualRow: boolean;
  /** An admin made the change (CustomerLevelChanged.manual). */
  byAdmin: boolean;
  sourceEventId: string | null;
}

/**
 * Moves a member to a tier in a group: the new association (its moments rescheduled from now),
 * CustomerLevelChanged and tier_association_updated, on an automatic downgrade the group's unit
 * resets, then the rewards granted on entering upwards (vouchers) and the tier_change campaigns.
 * Returns whether a reset deducted units (the member's other real-time groups then need a look:
 * the resets' own debits do not recalculate tiers).
 */
export async function changeTier(
  tx: Queryable, scope: ProgramScope, holder: TierHolder, group: TierGroup, tiers: Tier[], current: MemberTier | undefined, change: TierChange,
): Promise<{ unitsReset: boolean }> {
  const from = current ? tiers.find((t) => t.id === current.tierId) ?? null : null;
  const { to } = change;
  const upgraded = isUpgrade(from, to);
  const base = { manual: change.manualRow, attributedAt: scope.now };
  await saveMemberTier(tx, scope, {
    programId: scope.program.id, memberId: holder.member.id, groupId: group.id, tierId: to.id, ...base,
    ...momentsOf(scope, group, base, holder.subscription.createdAt), updatedAt: scope.emit.now,
  });
  const levelChanged = await emitEvent(tx, scope.emit, 'CustomerLevelChanged', holder.snapshot, {
    tierSetId: group.id, tierSetName: group.name, levelId: to.id, levelName: to.name,
    previousLevelId: from?.id ?? null, previousLevelName: from?.name ?? null, manual: change.byAdmin, direction: upgraded ? 'up' : 'down',
  });
  await emitEvent(tx, scope.emit, 'tier_association_updated', holder.snapshot, {
    from_tier: { id: from?.id ?? null, name: from?.name ?? null },
    loyalty_program: scope.emit.program,
    source_event_id: change.sourceEventId,
    tier_group: groupRef(group),
    to_tier: tierRef(to),
    upgraded,
  });
  const unitsReset = !upgraded && !change.byAdmin && await applyDowngradeResets(tx, scope, holder, group, change.sourceEventId);
  // What entering the tier grants, caused by the level change. A reward that cannot be issued
  // has fired voucher_attribution_failed with its reason; the tier change stands.
  for (const rewardId of rewardsToGrantOnEntry(from, to)) {
    await issueVoucherInTransaction(tx, scope, { rewardId, memberId: holder.member.id, source: 'tier', sourceEventId: levelChanged.id });
  }
  await runTierChangeCampaigns(tx, scope, { kind: 'tier_change', memberId: holder.member.id, fromTierId: from?.id ?? null, toTierId: to.id,
    sourceEventId: levelChanged.id });
  return { unitsReset };
}

/** The transactions running tier_change campaigns now. */
const inTierChangeCampaigns = new WeakSet<Queryable>();

/**
 * Runs the tier_change campaigns of a change — but not for a change their own effects caused (units
 * awarded that move the member again): one level of campaigns per tier change, so a campaign that
 * moves the member cannot run campaigns that move them back, and so on without end.
 */
async function runTierChangeCampaigns(tx: Queryable, scope: ProgramScope, trigger: Extract<CampaignTriggerEvent, { kind: 'tier_change' }>) {
  if (inTierChangeCampaigns.has(tx)) return;
  inTierChangeCampaigns.add(tx);
  try {
    await runCampaigns(tx, scope, trigger);
  } finally {
    inTierChangeCampaigns.delete(tx);
  }
}
