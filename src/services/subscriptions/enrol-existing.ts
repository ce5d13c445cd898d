import { invalidInput } from '../../domain/problem.ts';
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
    const createdAt = input.createdAt ? new Date(input.createdAt) : undefined;
    // Back-dating is allowed, dating ahead is not (as at registration).
    if (createdAt && createdAt > scope.now) throw invalidInput('/createdAt', 'is in the future');
    const { subscription } = await enrolInTransaction(tx, scope, member, {
      loyaltySubscriptionId: input.loyaltySubscriptionId,
      createdAt,
    });
    return memberView(member, subscription);
  });
}
