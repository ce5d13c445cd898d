import { invalidInput } from '../../domain/problem.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMember, findMembersByIdentifier, type MemberRow } from '../../storage/members.ts';
import type { IdentifierName } from '../../storage/programs.ts';
import type { CustomerData, MatchedBy } from '../../storage/purchases/transactions.ts';
import type { ProgramScope } from '../emit-context.ts';
import { normalizePhone } from '../../domain/members/identifiers.ts';

function phoneOrNothing(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  try {
    return normalizePhone(phone);
  } catch {
    return undefined;
  }
}

const matchedByName: Record<IdentifierName, MatchedBy> = { cardId: 'loyaltyCardNumber', phone: 'phone', email: 'email' };

/**
 * The active member a document's customer data names: a member id first, then each identifier
 * in the program's members.matchingPriority. An identifier held by no active member, or by
 * several (where the program allows duplicates), matches nobody and the next one is tried.
 */
export async function matchMember(
  tx: Queryable, scope: ProgramScope, customer: CustomerData,
): Promise<{ member: MemberRow; matchedBy: MatchedBy } | null> {
  const programId = scope.program.id;
  if (customer.memberId) {
    const member = await findMember(tx, programId, customer.memberId);
    if (!member) throw invalidInput('/customer/memberId', 'is not a member of this program');
    if (member.status === 'active') return { member, matchedBy: 'customerId' };
  }
  // Customer data as the till captured it: a value that is not a valid identifier matches nobody.
  const given: Partial<Record<IdentifierName, string>> = {
    email: customer.email?.trim() || undefined,
    phone: phoneOrNothing(customer.phone),
    cardId: customer.cardId?.trim() || undefined,
  };
  for (const name of scope.program.settings.members.matchingPriority) {
    const value = given[name];
    if (!value) continue;
    const active = (await findMembersByIdentifier(tx, programId, name, value)).filter((m) => m.status === 'active');
    if (active.length === 1) return { member: active[0], matchedBy: matchedByName[name] };
  }
  return null;
}
