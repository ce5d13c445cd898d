import { generateCardId } from '../../domain/members/card-id.ts';
import { identifierNames, normalizePhone, type MemberIdentifiers } from '../../domain/members/identifiers.ts';
import { conflict, invalidInput } from '../../domain/problem.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMembersByIdentifier, lockIdentifier } from '../../storage/members.ts';
import type { ProgramSettings } from '../../storage/programs.ts';

/** Trims and normalises what a caller gave; an absent value stays undefined, an explicit null clears. */
export function normaliseIdentifiers(input: { email?: string | null; phone?: string | null; cardId?: string | null }) {
  return {
    email: input.email === undefined || input.email === null ? input.email : input.email.trim(),
    phone: input.phone === undefined || input.phone === null ? input.phone : normalizePhone(input.phone),
    cardId: input.cardId === undefined || input.cardId === null ? input.cardId : input.cardId.trim(),
  };
}

/**
 * Checks a member's identifiers against the program's rules: required ones present, unique ones
 * not held by another member (under a per-value lock held to the end of the transaction).
 * `changed` limits the uniqueness checks to what this write sets.
 */
export async function checkIdentifiers(
  tx: Queryable,
  programId: string,
  settings: ProgramSettings['members'],
  identifiers: MemberIdentifiers,
  changed: ReadonlySet<keyof MemberIdentifiers>,
  memberId: string | null,
): Promise<void> {
  for (const name of identifierNames) {
    const value = identifiers[name];
    const rule = settings.identifiers[name];
    if (rule.required && !value) throw invalidInput(`/${name}`, 'is required by this program');
    if (!value || !rule.unique || !changed.has(name)) continue;
    await lockIdentifier(tx, programId, name, name === 'email' ? value.toLowerCase() : value);
    const holders = await findMembersByIdentifier(tx, programId, name, value);
    if (holders.some((m) => m.id !== memberId)) throw conflict(`another member of this program already has this ${name}`, `/${name}`);
  }
}

/** A card number from the program's pattern that no member holds yet. */
export async function newCardId(tx: Queryable, programId: string, pattern: string): Promise<string> {
  for (let tries = 0; tries < 20; tries++) {
    const candidate = generateCardId(pattern);
    await lockIdentifier(tx, programId, 'cardId', candidate);
    if ((await findMembersByIdentifier(tx, programId, 'cardId', candidate)).length === 0) return candidate;
  }
  throw conflict('could not find a free card number: the program\'s cardIdPattern is nearly exhausted', '/cardId');
}
