import { Problem } from '../../domain/problem.ts';
import { emitEvent } from '../../outbox/emit.ts';
import { unscheduleJob } from '../../scheduler/schedule.ts';
import type { Queryable } from '../../storage/db.ts';
import { closeSubscriptionBalances } from '../../storage/ledger/balances.ts';
import { findMember } from '../../storage/members.ts';
import * as subscriptions from '../../storage/subscriptions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { jobKinds } from './enrol.ts';
import { loadSubscription, subscriptionView } from './household.ts';

export async function unscheduleAnniversaries(tx: Queryable, programId: string, subscriptionId: string) {
  for (const kind of Object.values(jobKinds)) await unscheduleJob(tx, programId, `${kind}:${subscriptionId}`);
}

/**
 * Unenrols: the subscription is revoked (subscription_revoked), its added members leave it,
 * its balances are closed (no more transactions) and its anniversaries stop. The member keeps their profile and may enrol again.
 */
export async function revokeSubscription(ctx: ServiceContext, programId: string, loyaltySubscriptionId: string) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const subscription = await loadSubscription(tx, programId, loyaltySubscriptionId, true);
    if (subscription.status !== 'active') {
      throw new Problem(409, 'subscription-revoked', 'Subscription revoked', 'the subscription is already revoked');
    }
    const released = await subscriptions.listSubscriptionMembers(tx, subscription.id);
    await subscriptions.revokeSubscription(tx, subscription.id, scope.now);
    await closeSubscriptionBalances(tx, subscription.id, scope.emit.now);
    await unscheduleAnniversaries(tx, programId, subscription.id);
    const owner = (await findMember(tx, programId, subscription.memberId))!;
    const revoked = { ...subscription, status: 'revoked' as const, revokedAt: scope.now };
    await emitEvent(tx, scope.emit, 'subscription_revoked', memberSnapshot(owner, revoked), {
      loyalty_program: scope.emit.program,
      loyalty_subscription_id: subscription.loyaltySubscriptionId,
    });
    // The added members leave with the revocation: each is told, as a removal would.
    for (const member of released) {
      await emitEvent(tx, scope.emit, 'subscription_member_removed', memberSnapshot(owner, revoked), {
        loyalty_program: scope.emit.program,
        member_id: member.contactId,
      });
    }
    return subscriptionView(tx, revoked);
  });
}
