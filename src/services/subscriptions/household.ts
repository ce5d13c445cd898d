import { uuidv7 } from '../../domain/ids.ts';
import { Problem, conflict, notFound } from '../../domain/problem.ts';
import { emitEvent } from '../../outbox/emit.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMember } from '../../storage/members.ts';
import * as subscriptions from '../../storage/subscriptions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';
import { unscheduleAnniversaries } from './revoke.ts';

export async function loadSubscription(tx: Queryable, programId: string, loyaltySubscriptionId: string, forUpdate = false) {
  const subscription = await subscriptions.findSubscription(tx, programId, loyaltySubscriptionId, forUpdate);
  if (!subscription) throw notFound('subscription', loyaltySubscriptionId);
  return subscription;
}

function requireActive(subscription: subscriptions.SubscriptionRow): void {
  if (subscription.status !== 'active') {
    throw new Problem(409, 'subscription-revoked', 'Subscription revoked', 'the subscription was revoked');
  }
}

export async function subscriptionView(tx: Queryable, subscription: subscriptions.SubscriptionRow) {
  const extra = await subscriptions.listSubscriptionMembers(tx, subscription.id);
  const owner = await findMember(tx, subscription.programId, subscription.memberId);
  return {
    id: subscription.id,
    loyaltySubscriptionId: subscription.loyaltySubscriptionId,
    status: subscription.status,
    owner: { memberId: subscription.memberId, contactId: owner!.contactId },
    members: extra.map((m) => ({ memberId: m.memberId, contactId: m.contactId, addedAt: m.addedAt.toISOString() })),
    createdAt: subscription.createdAt.toISOString(),
    revokedAt: subscription.revokedAt?.toISOString() ?? null,
  };
}

export async function getSubscription(ctx: ServiceContext, programId: string, loyaltySubscriptionId: string) {
  return subscriptionView(ctx.db, await loadSubscription(ctx.db, programId, loyaltySubscriptionId));
}

/**
 * Adds members to a subscription, sharing its balances (subscription_member_added per member).
 * All or none: one refused member refuses the request. The owner cannot be added, nor a member
 * who already belongs to a subscription.
 */
export async function addSubscriptionMembers(ctx: ServiceContext, programId: string, loyaltySubscriptionId: string, memberIds: string[]) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const subscription = await loadSubscription(tx, programId, loyaltySubscriptionId, true);
    requireActive(subscription);
    const owner = (await findMember(tx, programId, subscription.memberId))!;
    for (const [i, memberId] of memberIds.entries()) {
      const field = `/memberIds/${i}`;
      if (memberId === subscription.memberId) throw conflict('the owner of a subscription is already part of it', field);
      const member = await findMember(tx, programId, memberId, true);
      if (!member) throw new Problem(404, 'not-found', 'Not found', `member ${memberId} does not exist`, [{ field, message: 'is not a member of this program' }]);
      if (member.status !== 'active') throw conflict(`member ${memberId} is not active`, field);
      const current = await subscriptions.findMemberSubscription(tx, programId, memberId);
      if (current) {
        throw conflict(current.id === subscription.id ? `member ${memberId} is already part of this subscription`
          : `member ${memberId} already belongs to another subscription`, field);
      }
      await subscriptions.addSubscriptionMember(tx, { id: uuidv7(scope.now), programId, subscriptionId: subscription.id, memberId, addedAt: scope.now });
      await emitEvent(tx, scope.emit, 'subscription_member_added', memberSnapshot(owner, subscription), {
        loyalty_program: scope.emit.program,
        member_id: member.contactId,
      });
    }
    return subscriptionView(tx, subscription);
  });
}

/** Removes one added member (subscription_member_removed); the owner cannot be removed. */
export async function removeSubscriptionMember(ctx: ServiceContext, programId: string, loyaltySubscriptionId: string, memberId: string) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const subscription = await loadSubscription(tx, programId, loyaltySubscriptionId, true);
    requireActive(subscription);
    if (memberId === subscription.memberId) throw conflict('the owner cannot be removed; revoke the subscription instead');
    const member = await findMember(tx, programId, memberId);
    if (!member || !(await subscriptions.removeSubscriptionMember(tx, subscription.id, memberId, scope.now))) {
      throw notFound('member of this subscription', memberId);
    }
    const owner = (await findMember(tx, programId, subscription.memberId))!;
    await emitEvent(tx, scope.emit, 'subscription_member_removed', memberSnapshot(owner, subscription), {
      loyalty_program: scope.emit.program,
      member_id: member.contactId,
    });
    return subscriptionView(tx, subscription);
  });
}

