import { checkCampaign, type Campaign, type CampaignEffect, type CampaignLimits, type CampaignTarget, type CampaignTrigger } from '../../domain/campaigns/campaign.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { Problem, invalidInput, notFound } from '../../domain/problem.ts';
import type { PurchaseInput } from '../../domain/purchases/document.ts';
import { readDocument } from '../../domain/purchases/document.ts';
import { checkEventBody } from '../../domain/campaigns/facts.ts';
import type { Queryable } from '../../storage/db.ts';
import * as campaigns from '../../storage/campaigns/campaigns.ts';
import { findMember } from '../../storage/members.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { loadDefinition } from '../ledger/ledger-scope.ts';
import { checkAttributeNames } from '../members/identifier-checks.ts';
import { matchMember } from '../purchases/match.ts';
import { requireReward } from '../rewards/rewards.ts';
import { requireTiers } from '../tiers/tier-catalog.ts';
import { planCampaigns, planView, runCampaigns } from './run.ts';

export interface CampaignInput {
  name: string;
  active?: boolean;
  startsAt?: string | null;
  endsAt?: string | null;
  position?: number;
  target?: CampaignTarget;
  trigger: CampaignTrigger;
  condition?: string | null;
  effects: CampaignEffect[];
  limits?: CampaignLimits;
  stopFurther?: boolean;
}

export function campaignView(c: Campaign) {
  return {
    id: c.id, name: c.name, active: c.active, startsAt: c.startsAt?.toISOString() ?? null, endsAt: c.endsAt?.toISOString() ?? null,
    position: c.position, target: c.target, trigger: c.trigger, condition: c.condition, effects: c.effects, limits: c.limits,
    stopFurther: c.stopFurther, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(),
  };
}

const date = (value: string | null | undefined, field: string) => {
  if (value === undefined || value === null) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw invalidInput(field, 'is not a date-time');
  return at;
};

/** The campaign an input describes, checked: condition parses, unit effects name real definitions. */
async function fromInput(tx: Queryable, scope: ProgramScope, input: CampaignInput, base: Pick<Campaign, 'id' | 'createdAt'>): Promise<Campaign> {
  const campaign: Campaign = {
    ...base,
    programId: scope.program.id,
    name: input.name,
    active: input.active ?? true,
    startsAt: date(input.startsAt, '/startsAt'),
    endsAt: date(input.endsAt, '/endsAt'),
    position: input.position ?? 0,
    target: input.target ?? { kind: 'all' },
    trigger: input.trigger,
    condition: input.condition?.trim() ? input.condition : null,
    effects: input.effects,
    limits: input.limits ?? {},
    stopFurther: input.stopFurther ?? false,
    updatedAt: scope.now,
  };
  checkCampaign(campaign);
  if (campaign.target.kind === 'tier') await requireTiers(tx, scope.program.id, campaign.target.tierIds, '/target/tierIds');
  for (const [i, effect] of campaign.effects.entries()) {
    if (effect.type === 'award_units' || effect.type === 'deduct_units') {
      await loadDefinition(tx, scope.program.id, effect.balanceDefinitionId, `/effects/${i}/balanceDefinitionId`);
    }
    if (effect.type === 'grant_reward') await requireReward(tx, scope.program.id, effect.rewardId, `/effects/${i}/rewardId`);
    if (effect.type === 'set_custom_attribute') {
      try {
        checkAttributeNames({ [effect.name]: effect.value });
      } catch (error) {
        if (error instanceof Problem) throw invalidInput(`/effects/${i}/name`, error.errors[0].message);
        throw error;
      }
    }
  }
  return campaign;
}

export async function createCampaign(ctx: ServiceContext, programId: string, input: CampaignInput) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const campaign = await fromInput(tx, scope, input, { id: uuidv7(scope.now), createdAt: scope.now });
    await campaigns.insertCampaign(tx, campaign);
    return campaignView(campaign);
  });
}

/** Replaces a campaign's definition; what it applied before stays applied, and counts for its limits. */
export async function replaceCampaign(ctx: ServiceContext, programId: string, id: string, input: CampaignInput) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const current = await campaigns.findCampaign(tx, programId, id, true);
    if (!current) throw notFound('campaign', id);
    const campaign = await fromInput(tx, scope, input, { id, createdAt: current.createdAt });
    await campaigns.saveCampaign(tx, campaign);
    return campaignView(campaign);
  });
}

export async function getCampaign(ctx: ServiceContext, programId: string, id: string) {
  const campaign = await campaigns.findCampaign(ctx.db, programId, id);
  if (!campaign) throw notFound('campaign', id);
  return campaignView(campaign);
}

export async function listCampaigns(ctx: ServiceContext, programId: string, page: PageRequest) {
  return toPage(await campaigns.listCampaigns(ctx.db, programId, page), page.limit, campaignView);
}

/**
 * Which campaigns a purchase would apply and what each effect would give, without registering
 * or applying anything (nothing is written). The member is matched like a real
 * purchase, or named by `memberId`.
 */
export async function simulatePurchase(ctx: ServiceContext, programId: string, input: PurchaseInput) {
  const doc = readDocument(input);
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const match = await matchMember(tx, scope, doc.customer);
    if (!match) return { memberId: null, matchedBy: null, campaigns: [] };
    const plan = await planCampaigns(tx, scope, {
      kind: 'purchase',
      purchase: { ...doc, id: uuidv7(scope.now), programId, memberId: match.member.id, matchedBy: match.matchedBy, returnedTransactionId: null,
        takeBacks: [], source: 'api', registeredEventId: null, assignedEventId: null, assignedAt: null, createdAt: scope.now },
      sourceEventId: null,
    });
    return { memberId: match.member.id, matchedBy: match.matchedBy, campaigns: planView(plan) };
  });
}

/** A custom event the business sends about a member: the campaigns listening for its type run. */
export async function sendCustomEvent(ctx: ServiceContext, programId: string, memberId: string, eventType: string, body: Record<string, unknown>) {
  checkEventBody(body);
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const member = await findMember(tx, programId, memberId);
    if (!member) throw notFound('member', memberId);
    const campaigns = await runCampaigns(tx, scope, { kind: 'custom_event', memberId, eventType, body });
    return { memberId, eventType, campaigns };
  });
}
