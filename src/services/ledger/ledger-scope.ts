import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { Problem, invalidInput } from '../../domain/problem.ts';
import type { MemberSnapshot } from '../../events/context.ts';
import type { Queryable } from '../../storage/db.ts';
import type { BalanceRow } from '../../storage/ledger/balances.ts';
import { lockBalance } from '../../storage/ledger/balances.ts';
import { findDefaultDefinition, findDefinition } from '../../storage/ledger/definitions.ts';
import { findMember, type MemberRow } from '../../storage/members.ts';
import { findSubscription, type SubscriptionRow } from '../../storage/subscriptions.ts';
import { findMemberBalanceTarget } from '../../storage/ledger/targets.ts';
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

/** Whose balance a target names, resolved but not locked yet. */
export interface ResolvedTarget {
  member: MemberRow;
  subscription: SubscriptionRow;
  definition: BalanceDefinition;
}

const memberMissing = (memberId: string, field: string) =>
  new Problem(404, 'not-found', 'Not found', `member ${memberId} does not exist`, [{ field, message: 'is not a member of this program' }]);

/** What a target resolved to, checked: known definition (404 / 422 naming the field), active subscription (409). */
async function checkedTarget(
  tx: Queryable, programId: string, target: BalanceTarget, prefix: string,
  found: { member: MemberRow | undefined; subscription: SubscriptionRow | undefined; definition: BalanceDefinition | undefined },
): Promise<ResolvedTarget> {
  // A definition not found is looked up again, by the function that names the reason.
  const definition = found.definition ?? await loadDefinition(tx, programId, target.balanceDefinitionId, `${prefix}/balanceDefinitionId`);
  if (!found.subscription || found.subscription.status !== 'active') {
    throw new Problem(409, 'subscription-revoked', 'No active subscription', 'the member has no active subscription in this program');
  }
  return { member: found.member!, subscription: found.subscription, definition };
}

/**
 * Resolves the member, their active subscription and the definition. Refuses unknown ones
 * (404 naming the field) and revoked subscriptions (409).
 */
export async function resolveTarget(
  tx: Queryable, scope: ProgramScope, target: BalanceTarget, prefix = '', memberField = `${prefix}/memberId`,
): Promise<ResolvedTarget> {
  const programId = scope.program.id;
  if (target.memberId) {
    const found = await findMemberBalanceTarget(tx, programId, target.memberId, target.balanceDefinitionId ?? null);
    if (!found.member) throw memberMissing(target.memberId, memberField);
    return checkedTarget(tx, programId, target, prefix, found);
  }
  if (target.loyaltySubscriptionId) {
    const subscription = await findSubscription(tx, programId, target.loyaltySubscriptionId);
    if (!subscription) {
      throw new Problem(404, 'not-found', 'Not found', `subscription ${target.loyaltySubscriptionId} does not exist`,
        [{ field: `${prefix}/loyaltySubscriptionId`, message: 'is not a subscription of this program' }]);
    }
    const member = await findMember(tx, programId, subscription.memberId);
    return checkedTarget(tx, programId, target, prefix, { member, subscription, definition: undefined });
  }
  throw invalidInput(`${prefix}/memberId`, 'give memberId or loyaltySubscriptionId');
}

/** Locks (creating on first use) the balance of a resolved target. */
export async function lockResolved(tx: Queryable, scope: ProgramScope, resolved: ResolvedTarget): Promise<LedgerScope> {
  const { member, subscription, definition } = resolved;
  const { balance, created } = await lockBalance(tx, {
    id: uuidv7(scope.now), programId: scope.program.id, subscriptionId: subscription.id, definitionId: definition.id, now: scope.emit.now,
  });
  return { scope, member, snapshot: memberSnapshot(member, subscription), subscription, definition, balance, created };
}

/**
 * Resolves the member, their active subscription and the definition, and locks the balance
 * (creating it on first use). Refuses inactive members and revoked subscriptions with a
 * problem; the caller decides whether such a refusal also fires balance_transaction_unauthorized.
 * A member's existing balance is found and locked in the same round trip as the rest.
 */
export async function openBalance(
  tx: Queryable, scope: ProgramScope, target: BalanceTarget, prefix = '', memberField = `${prefix}/memberId`,
): Promise<LedgerScope> {
  if (!target.memberId) return lockResolved(tx, scope, await resolveTarget(tx, scope, target, prefix, memberField));
  const programId = scope.program.id;
  const found = await findMemberBalanceTarget(tx, programId, target.memberId, target.balanceDefinitionId ?? null, { lockBalance: true });
  if (!found.member) throw memberMissing(target.memberId, memberField);
  const resolved = await checkedTarget(tx, programId, target, prefix, found);
  if (!found.balance) return lockResolved(tx, scope, resolved);
  const { member, subscription, definition } = resolved;
  return { scope, member, snapshot: memberSnapshot(member, subscription), subscription, definition, balance: found.balance, created: false };
}

/**
 * The one order in which an operation takes the locks of several balances (transfers, their
 * cancellation, expiry and activation sweeps): by subscription, then definition — the key a
 * balance is known by before it exists — so two such operations cannot deadlock.
 */
export const lockOrder = (a: { subscriptionId: string; definitionId: string }, b: { subscriptionId: string; definitionId: string }) =>
  a.subscriptionId < b.subscriptionId ? -1 : a.subscriptionId > b.subscriptionId ? 1
    : a.definitionId < b.definitionId ? -1 : a.definitionId > b.definitionId ? 1 : 0;
