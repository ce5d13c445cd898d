import type { CampaignEffect, Campaign } from '../../domain/campaigns/campaign.ts';
import { Problem } from '../../domain/problem.ts';
import { emitEvent } from '../../outbox/emit.ts';
import type { Queryable } from '../../storage/db.ts';
import * as members from '../../storage/members.ts';
import type { EffectOutcome } from '../../storage/campaigns/runs.ts';
import { findMemberSubscription } from '../../storage/subscriptions.ts';
import type { ProgramScope } from '../emit-context.ts';
import { openBalance } from '../ledger/ledger-scope.ts';
import { LedgerRefusal, createInScope } from '../ledger/transactions.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { issueVoucherInTransaction } from '../rewards/issue-voucher.ts';

/** An effect with what it will do worked out (units computed), before it is applied; `refusal` says why it cannot be. */
export type PlannedEffect = CampaignEffect & { amount: number | null; refusal: string | null };

export interface EffectCause {
  campaign: Campaign;
  memberId: string;
  purchaseTransactionId: string | null;
  sourceEventId: string | null;
}

const failed = (effect: PlannedEffect, reason: string): EffectOutcome => ({
  type: effect.type, status: 'failed', reason, balanceDefinitionId: 'balanceDefinitionId' in effect ? effect.balanceDefinitionId ?? null : null,
  amount: effect.amount, ledgerTransactionId: null, customAttribute: null, rewardId: effect.type === 'grant_reward' ? effect.rewardId : null,
  issuedRewardId: null, eventId: null,
});

/**
 * Applies one effect in the caller's transaction with its own events, then CampaignEffectWasApplied.
 * A ledger refusal (maximum, insufficient units, velocity) has fired its event and is recorded as a
 * failed outcome: the other effects and campaigns go on.
 */
export async function applyEffect(tx: Queryable, scope: ProgramScope, cause: EffectCause, effect: PlannedEffect): Promise<EffectOutcome> {
  if (effect.refusal !== null) return failed(effect, effect.refusal);
  if (effect.type === 'award_units' || effect.type === 'deduct_units') {
    let ls;
    try {
      ls = await openBalance(tx, scope, { memberId: cause.memberId, balanceDefinitionId: effect.balanceDefinitionId });
    } catch (error) {
      if (error instanceof Problem) return failed(effect, error.message);
      throw error;
    }
    const result = await createInScope(tx, ls, {
      memberId: cause.memberId, kind: effect.type === 'award_units' ? 'credit' : 'debit', amount: effect.amount!,
      reason: 'campaign', autoComplete: true, sourceEventId: cause.sourceEventId ?? undefined,
      comment: `campaign ${cause.campaign.name}`,
    });
    if (result instanceof LedgerRefusal) return { ...failed(effect, result.message), balanceDefinitionId: ls.definition.id };
    const event = await emitApplied(tx, scope, cause, ls.snapshot, effect.type, {
      walletType: { id: ls.definition.id, name: ls.definition.name, unit: ls.definition.unit }, amount: result.amount,
    });
    return {
      type: effect.type, status: 'applied', reason: null, balanceDefinitionId: ls.definition.id, amount: result.amount,
      ledgerTransactionId: result.id, customAttribute: null, rewardId: null, issuedRewardId: null, eventId: event.id,
    };
  }
  if (effect.type === 'set_custom_attribute') {
    const member = (await members.findMember(tx, scope.program.id, cause.memberId, true))!;
    const subscription = (await findMemberSubscription(tx, scope.program.id, member.id)) ?? null;
    const changed = !Object.hasOwn(member.customAttributes, effect.name) || member.customAttributes[effect.name] !== effect.value;
    const next = changed
      ? { ...member, customAttributes: { ...member.customAttributes, [effect.name]: effect.value }, updatedAt: scope.now }
      : member;
    if (changed) {
      await members.saveMember(tx, next);
      await emitEvent(tx, scope.emit, 'CustomerUpdated', memberSnapshot(next, subscription), { changedFields: [`customAttributes.${effect.name}`] });
    }
    const customAttribute = { key: effect.name, value: effect.value };
    const event = await emitApplied(tx, scope, cause, memberSnapshot(next, subscription), effect.type, { customAttribute });
    return {
      type: effect.type, status: 'applied', reason: null, balanceDefinitionId: null, amount: null, ledgerTransactionId: null,
      customAttribute, rewardId: null, issuedRewardId: null, eventId: event.id,
    };
  }
  // A granted reward is free; when it cannot be issued, voucher_attribution_failed has fired.
  const issued = await issueVoucherInTransaction(tx, scope, {
    rewardId: effect.rewardId, memberId: cause.memberId, source: 'campaign',
    sourceEventId: cause.sourceEventId, campaignId: cause.campaign.id,
  });
  if (!issued.ok) return failed(effect, issued.reason);
  const event = await emitApplied(tx, scope, cause, issued.holder, effect.type, {
    rewardId: effect.rewardId, rewardName: issued.voucher.rewardName ?? null, issuedRewardId: issued.voucher.id,
  });
  return {
    type: effect.type, status: 'applied', reason: null, balanceDefinitionId: null, amount: null, ledgerTransactionId: null,
    customAttribute: null, rewardId: effect.rewardId, issuedRewardId: issued.voucher.id, eventId: event.id,
  };
}

async function emitApplied(
  tx: Queryable, scope: ProgramScope, cause: EffectCause, member: Parameters<typeof emitEvent>[3], effectType: CampaignEffect['type'],
  fields: Record<string, unknown>,
) {
  return emitEvent(tx, scope.emit, 'CampaignEffectWasApplied', member, {
    campaignId: cause.campaign.id,
    campaignName: cause.campaign.name,
    effectType,
    walletType: null,
    amount: null,
    rewardId: null,
    rewardName: null,
    issuedRewardId: null,
    customAttribute: null,
    transactionId: cause.purchaseTransactionId,
    ...fields,
  });
}
