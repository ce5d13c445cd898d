import type { IdentifierName } from '../../storage/programs.ts';
import { invalidInput } from '../problem.ts';

/** E-mail addresses compare case-insensitively: the normalised form is what uniqueness sees. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Phones are kept in E.164. Spaces, dots, dashes and brackets are dropped, a national trunk
 * prefix written `(0)` after the country code (+33 (0)6…) is dropped, and a leading 00 becomes
 * +; a national number without its country code cannot be placed and is refused.
 */
export function normalizePhone(phone: string, field = '/phone'): string {
  let digits = phone.trim().replace(/\(\s*0\s*\)/g, '').replace(/[\s().-]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (!/^\+[1-9][0-9]{6,14}$/.test(digits)) {
    throw invalidInput(field, 'must be an international phone number with its country code, e.g. +33612345678');
  }
  return digits;
}

export interface MemberIdentifiers {
  email: string | null;
  phone: string | null;
  cardId: string | null;
}

export const identifierNames: IdentifierName[] = ['email', 'phone', 'cardId'];

/** The value uniqueness and look-ups compare: e-mail lower-cased, phone and card as stored. */
export function comparableIdentifier(name: IdentifierName, value: string): string {
  return name === 'email' ? normalizeEmail(value) : value;
}
