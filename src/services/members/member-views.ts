import type { MemberSnapshot } from '../../events/context.ts';
import type { MemberRow } from '../../storage/members.ts';
import type { SubscriptionRow } from '../../storage/subscriptions.ts';

/** The member as events carry them, at the moment of the event. */
export function memberSnapshot(member: MemberRow, subscription: Pick<SubscriptionRow, 'loyaltySubscriptionId'> | null): MemberSnapshot {
  return {
    id: member.id,
    contactId: member.contactId,
    email: member.email,
    phone: member.phone,
    cardId: member.cardId,
    firstName: member.firstName,
    lastName: member.lastName,
    properties: member.customAttributes,
    subscriptionId: subscription?.loyaltySubscriptionId ?? null,
  };
}

export function memberView(member: MemberRow, subscription: (SubscriptionRow & { role?: string }) | null | undefined) {
  return {
    id: member.id,
    contactId: member.contactId,
    status: member.status,
    email: member.email,
    phone: member.phone,
    cardId: member.cardId,
    firstName: member.firstName,
    lastName: member.lastName,
    birthDate: member.birthDate,
    customAttributes: member.customAttributes,
    hasPassword: member.passwordHash !== null,
    subscription: subscription
      ? {
          id: subscription.id,
          loyaltySubscriptionId: subscription.loyaltySubscriptionId,
          status: subscription.status,
          role: subscription.role === 'member' ? ('member' as const) : ('owner' as const),
          createdAt: subscription.createdAt.toISOString(),
        }
      : null,
    activatedAt: member.activatedAt?.toISOString() ?? null,
    deactivatedAt: member.deactivatedAt?.toISOString() ?? null,
    createdAt: member.createdAt.toISOString(),
    updatedAt: member.updatedAt.toISOString(),
  };
}
export type MemberView = ReturnType<typeof memberView>;
