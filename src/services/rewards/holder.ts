import type { MemberSnapshot } from '../../events/context.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMember, type MemberRow } from '../../storage/members.ts';
import { findMemberSubscription, type SubscriptionRow } from '../../storage/subscriptions.ts';
import { memberSnapshot } from '../members/member-views.ts';

export interface Holder {
  member: MemberRow;
  subscription: SubscriptionRow | undefined;
  snapshot: MemberSnapshot;
}

/** The member a voucher is (or is to be) issued to, as events carry them. */
export async function holderOf(tx: Queryable, programId: string, memberId: string): Promise<Holder | undefined> {
  const member = await findMember(tx, programId, memberId);
  if (!member) return undefined;
  const subscription = await findMemberSubscription(tx, programId, memberId);
  return { member, subscription, snapshot: memberSnapshot(member, subscription ?? null) };
}
