import { generateCardId } from '../../domain/members/card-id.ts';
import { identifierNames, normalizePhone, type MemberIdentifiers } from '../../domain/members/identifiers.ts';
import { conflict, invalidInput } from '../../domain/problem.ts';
import type { Queryable } from '../../storage/db.ts';
import { findMembersByIdentifier, lockIdentifier } from '../../storage/members.ts';
import type { ProgramSettings } from '../../storage/programs.ts';

/** Trims and normalises what a caller gave; an absent value stays undefined, an explicit null clears. */
export function normaliseIdentifiers(input: { email?: string | null; phone?: string | null; cardId?: string | null }) {
  const cardId = input.cardId === undefined || input.cardId === null ? input.cardId : input.cardId.trim();
  if (cardId === '') throw invalidInput('/cardId', 'is blank');
  return {
    email: input.email === undefined || input.email === null ? input.email : input.email.trim(),
    phone: input.phone === undefined || input.phone === null ? input.phone : normalizePhone(input.phone),
    cardId,
  };
}

/** A birth date must be a real calendar date, not in the future, and not before 1900. */
export function checkBirthDate(birthDate: string | null | undefined, today: Date): void {
  if (birthDate === undefined || birthDate === null) return;
  const date = new Date(`${birthDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== birthDate) {
    throw invalidInput('/birthDate', 'is not a calendar date (YYYY-MM-DD)');
  }
  if (birthDate < '1900-01-01') throw invalidInput('/birthDate', 'is before 1900');
  if (date > today) throw invalidInput('/birthDate', 'is in the future');
}

/**
 * Events carry custom attributes as Brevo contact properties next to the standard FIRSTNAME,
 * LASTNAME, EMAIL and SMS, which always win: a custom attribute of one of those names would never
 * reach a receiver, so it is refused.
 */
const standardContactAttributes = new Set(['FIRSTNAME', 'LASTNAME', 'EMAIL', 'SMS']);
export function checkAttributeNames(attributes: Record<string, unknown> | undefined): void {
  for (const name of Object.keys(attributes ?? {})) {
    if (standardContactAttributes.has(name)) {
      throw invalidInput(`/customAttributes/${name}`, 'is a standard contact attribute: use firstName, lastName, email or phone');
    }
  }
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
