import { awardedUnits, conditionRoots, limitPeriodStart, type Campaign, type CampaignEffect, type CampaignLimit, type PurchaseItem } from '../../domain/campaigns/campaign.ts';
import { holds, parseExpression, type Value } from '../../domain/campaigns/expression.ts';
import { memberFacts, toValue, transactionFacts } from '../../domain/campaigns/facts.ts';
import { uuidv7 } from '../../domain/ids.ts';
import type { Queryable } from '../../storage/db.ts';
import { campaignsToRun, findCampaign } from '../../storage/campaigns/campaigns.ts';
import { countRuns, insertRun, type EffectOutcome } from '../../storage/campaigns/runs.ts';
import { findMember, type MemberRow } from '../../storage/members.ts';
import type { PurchaseRow } from '../../storage/purchases/transactions.ts';
import type { ProgramScope } from '../emit-context.ts';
import { currentTiers } from '../tiers/recalculate.ts';
import { applyEffect, type PlannedEffect } from './effects.ts';

/** What makes campaigns run. */
export type CampaignTriggerEvent =
  | { kind: 'purchase'; purchase: Omit<PurchaseRow, 'memberId'> & { memberId: string }; sourceEventId: string | null }
  | { kind: 'registration'; memberId: string; sourceEventId?: string | null }
  | { kind: 'custom_event'; memberId: string; eventType: string; body: Record<string, unknown> }
  | { kind: 'tier_change'; memberId: string; fromTierId: string | null; toTierId: string | null; sourceEventId: string | null };

export interface PlannedCampaign {
  campaign: Campaign;
  effects: PlannedEffect[];
}

type MemberTierFacts = Awaited<ReturnType<typeof currentTiers>>;

function facts(trigger: CampaignTriggerEvent, member: MemberRow, tiers: MemberTierFacts, now: Date): Record<string, Value> {
  return {
    member: memberFacts({ id: member.id, customAttributes: member.customAttributes, registeredAt: member.createdAt, tiers }, now),
    transaction: trigger.kind === 'purchase' ? transactionFacts({ ...trigger.purchase, grossValue: trigger.purchase.grossTotal }) : null,
    event: trigger.kind === 'custom_event' ? toValue({ type: trigger.eventType, body: trigger.body }) : null,
    tierChange: trigger.kind === 'tier_change' ? toValue({ fromTierId: trigger.fromTierId, toTierId: trigger.toTierId }) : null,
  };
}

function targets(campaign: Campaign, member: MemberRow, tiers: MemberTierFacts): boolean {
  const target = campaign.target;
  if (target.kind === 'all') return true;
  if (target.kind === 'tier') return tiers.some((t) => target.tierIds.includes(t.tierId));
  if (!Object.hasOwn(member.customAttributes, target.name)) return false;
  return target.value === undefined || member.customAttributes[target.name] === target.value;
}

async function withinLimit(tx: Queryable, scope: ProgramScope, campaign: Campaign, limit: CampaignLimit | undefined, memberId: string | null) {
  if (!limit) return true;
  const since = limitPeriodStart(limit.period, scope.now, scope.program.timezone);
  return (await countRuns(tx, campaign.id, memberId, since)) < limit.count;
}

/**
 * Which campaigns a trigger would apply, in order, and what each effect would do. Read-only:
 * the simulate endpoint shows this, runCampaigns applies it. Deterministic: campaigns by position
 * then id, their effects in order, a campaign with stopFurther ending the list.
 */
export async function planCampaigns(tx: Queryable, scope: ProgramScope, trigger: CampaignTriggerEvent, options: { lock?: boolean } = {}) {
  const plan: PlannedCampaign[] = [];
  const memberId = trigger.kind === 'purchase' ? trigger.purchase.memberId : trigger.memberId;
  const member = await findMember(tx, scope.program.id, memberId);
  if (!member || member.status !== 'active') return plan;
  // Sales earn; a return takes back what its sale earned instead.
  if (trigger.kind === 'purchase' && trigger.purchase.documentType !== 'sell') return plan;
  const tiers = await currentTiers(tx, scope.program.id, member.id);
  // Built on the first condition only: most triggers meet no campaign with one.
  let seen: Record<string, Value> | undefined;
  for (const listed of await campaignsToRun(tx, scope.program.id, trigger.kind, scope.now)) {
    const hasLimits = listed.limits.perMember !== undefined || listed.limits.total !== undefined;
    // Runs of one limited campaign serialise here, so two triggers at once cannot both take its last use.
    const campaign = hasLimits && options.lock ? (await findCampaign(tx, scope.program.id, listed.id, true))! : listed;
    if (campaign.trigger.kind === 'custom_event' && trigger.kind === 'custom_event' && campaign.trigger.eventType !== trigger.eventType) continue;
    if (!targets(campaign, member, tiers)) continue;
    if (campaign.condition !== null && !holds(parseExpression(campaign.condition, conditionRoots), seen ??= facts(trigger, member, tiers, scope.now))) continue;
    if (!(await withinLimit(tx, scope, campaign, campaign.limits.perMember, member.id))) continue;
    if (!(await withinLimit(tx, scope, campaign, campaign.limits.total, null))) continue;
    const purchase = trigger.kind === 'purchase' ? trigger.purchase : null;
    const effects = campaign.effects.map((effect) => planEffect(effect, purchase))
      .filter((effect) => effect.refusal !== null || effect.amount === null || effect.amount > 0);
    if (effects.length === 0) continue;
    plan.push({ campaign, effects });
    if (campaign.stopFurther) break;
  }
  return plan;
}

/**
 * An effect with its amount worked out. An award beyond the largest safe integer cannot be
 * credited exactly: it is planned as refused, and recorded as a failed effect.
 */
function planEffect(effect: CampaignEffect, purchase: { grossTotal: number; items: PurchaseItem[] } | null): PlannedEffect {
  if (effect.type === 'deduct_units') return { ...effect, amount: effect.units, refusal: null };
  if (effect.type !== 'award_units') return { ...effect, amount: null, refusal: null };
  const units = awardedUnits(effect, purchase);
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ...effect, amount: null, refusal: `the award (${units} units) exceeds the largest amount a balance can take (${Number.MAX_SAFE_INTEGER})` };
  }
  return { ...effect, amount: Number(units), refusal: null };
}

export interface CampaignRunOutcome {
  campaignId: string;
  campaignName: string;
  runId: string;
  effects: EffectOutcome[];
}

/**
 * Runs the campaigns of a trigger in the caller's transaction: each applied effect with its own
 * events and CampaignEffectWasApplied, each applying campaign recorded (limits count the records).
 */
export async function runCampaigns(tx: Queryable, scope: ProgramScope, trigger: CampaignTriggerEvent): Promise<CampaignRunOutcome[]> {
  const outcomes: CampaignRunOutcome[] = [];
  const memberId = trigger.kind === 'purchase' ? trigger.purchase.memberId : trigger.memberId;
  const purchaseTransactionId = trigger.kind === 'purchase' ? trigger.purchase.id : null;
  const sourceEventId = trigger.kind === 'custom_event' ? null : trigger.sourceEventId ?? null;
  for (const { campaign, effects } of await planCampaigns(tx, scope, trigger, { lock: true })) {
    const applied: EffectOutcome[] = [];
    for (const effect of effects) {
      applied.push(await applyEffect(tx, scope, { campaign, memberId, purchaseTransactionId, sourceEventId }, effect));
    }
    const runId = uuidv7(scope.now);
    await insertRun(tx, {
      id: runId, programId: scope.program.id, campaignId: campaign.id, memberId, triggerKind: trigger.kind,
      purchaseTransactionId, sourceEventId, effects: applied, appliedAt: scope.now,
    });
    outcomes.push({ campaignId: campaign.id, campaignName: campaign.name, runId, effects: applied });
  }
  return outcomes;
}

/** A plan as the simulate endpoint shows it. */
export const planView = (plan: PlannedCampaign[]) => plan.map(({ campaign, effects }) => ({
  campaignId: campaign.id,
  campaignName: campaign.name,
  stopFurther: campaign.stopFurther,
  effects: effects.map((e) => ({
    type: e.type,
    balanceDefinitionId: 'balanceDefinitionId' in e ? e.balanceDefinitionId ?? null : null,
    amount: e.amount,
    customAttribute: e.type === 'set_custom_attribute' ? { key: e.name, value: e.value } : null,
    rewardId: e.type === 'grant_reward' ? e.rewardId : null,
    reason: e.refusal,
  })),
}));
