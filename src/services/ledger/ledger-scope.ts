import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { Problem, invalidInput, notFound } from '../../domain/problem.ts';
import type { MemberSnapshot } from '../../events/context.ts';
import type { Queryable } from '../../storage/db.ts';
import type { BalanceRow } from '../../storage/ledger/balances.ts';
import { lockBalance } from '../../storage/ledger/balances.ts';
import { findDefaultDefinition, findDefinition } from '../../storage/ledger/definitions.ts';
import { findMember, type MemberRow } from '../../storage/members.ts';
import { findMemberSubscription, findSubscription, type SubscriptionRow } from '../../storage/subscriptions.ts';
import type { ProgramScope } from '../emit-context.ts';
import { memberSnapshot } from '../members/member-views.ts';

/** Whose balance an operation is on: a member (of any subscription role) or a subscription id. */
export interface BalanceTarget {
  memberId?: string;
  loyaltySubscriptionId?: string;
  balanceDefinitionId?: string;
}

export interface LedgerScope {
  scope: ProgramScope;
  member: MemberRow;
  snapshot: MemberSnapshot;
  subscription: SubscriptionRow;
  definition: BalanceDefinition;
  balance: BalanceRow;
  created: boolean;
}

export async function loadDefinition(tx: Queryable, programId: string, id: string | undefined, field = '/balanceDefinitionId') {
  const definition = id ? await findDefinition(tx, programId, id) : await findDefaultDefinition(tx, programId);
  if (!definition) {
    if (id) throw new Problem(404, 'not-found', 'Not found', `balance definition ${id} does not exist`, [{ field, message: 'is not a balance definition of this program' }]);
    throw invalidInput(field, 'is required: the program has no default balance definition');
  }
  return definition;
}

/**
 * Resolves the member, their active subscription and the definition, and locks the balance
 * (creating it on first use). Refuses inactive members and revoked subscriptions with a
 * problem; the caller decides whether such a refusal also fires balance_transaction_unauthorized.
 */
export async function openBalance(tx: Queryable, scope: ProgramScope, target: BalanceTarget, prefix = ''): Promise<LedgerScope> {
  const programId = scope.program.id;
  let member: MemberRow | undefined;
  let subscription: SubscriptionRow | undefined;
  if (target.memberId) {
    member = await findMember(tx, programId, target.memberId);
    if (!member) throw new Problem(404, 'not-found', 'Not found', `member ${target.memberId} does not exist`, [{ field: `${prefix}/memberId`, message: 'is not a member of this program' }]);
    subscription = await findMemberSubscription(tx, programId, member.id);
  } else if (target.loyaltySubscriptionId) {
    subscription = await findSubscription(tx, programId, target.loyaltySubscriptionId);
    if (!subscription) throw notFound('subscription', target.loyaltySubscriptionId);
    member = await findMember(tx, programId, subscription.memberId);
  } else {
    throw invalidInput(`${prefix}/memberId`, 'give memberId or loyaltySubscriptionId');
  }
  const definition = await loadDefinition(tx, programId, target.balanceDefinitionId, `${prefix}/balanceDefinitionId`);
  if (!subscription || subscription.status !== 'active') {
    throw new Problem(409, 'subscription-revoked', 'No active subscription', 'the member has no active subscription in this program');
  }
  const { balance, created } = await lockBalance(tx, {
    id: uuidv7(scope.now), programId, subscriptionId: subscription.id, definitionId: definition.id, now: scope.emit.now,
  });
  return { scope, member: member!, snapshot: memberSnapshot(member!, subscription), subscription, definition, balance, created };
}
