import { Problem, notFound } from '../../domain/problem.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMember, type MemberRow, type MemberStatus } from '../../storage/members.ts';

export async function loadMember(tx: Queryable, programId: string, memberId: string, forUpdate = false): Promise<MemberRow> {
  const member = await findMember(tx, programId, memberId, forUpdate);
  if (!member) throw notFound('member', memberId);
  return member;
}

const statusWords: Record<MemberStatus, string> = {
  new: 'not activated yet',
  active: 'active',
  inactive: 'deactivated',
  anonymised: 'anonymised',
};

/** Refuses a use case that the member's status does not allow, saying why. */
export function requireStatus(member: MemberRow, allowed: MemberStatus[], action: string): void {
  if (!allowed.includes(member.status)) {
    throw new Problem(409, `member-${member.status}`, 'Member status does not allow this',
      `cannot ${action}: the member is ${statusWords[member.status]}`);
  }
}
