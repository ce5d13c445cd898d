import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { loadMember, requireStatus } from '../members/load-member.ts';
import { memberView } from '../members/member-views.ts';
import { enrolInTransaction } from './enrol.ts';

/** Enrols an active member who has no subscription (e.g. after a revocation). */
export async function enrolExistingMember(
  ctx: ServiceContext, programId: string, memberId: string, input: { loyaltySubscriptionId?: string; createdAt?: string },
) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'api');
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['active'], 'enrol');
    const subscription = await enrolInTransaction(tx, scope, member, {
      loyaltySubscriptionId: input.loyaltySubscriptionId,
      createdAt: input.createdAt ? new Date(input.createdAt) : undefined,
    });
    return memberView(member, subscription);
  });
}
