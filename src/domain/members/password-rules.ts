import { invalidInput } from '../problem.ts';

const common = new Set(['password', 'password1', '12345678', '123456789', 'qwertyuiop', 'iloveyou1', 'azertyuiop', 'abcd1234', 'letmein1']);

/** A password must be at least 8 characters, with a letter and a digit or symbol, and not a common one. */
export function checkPasswordStrength(password: string, field = '/password'): void {
  if (password.length < 8) throw invalidInput(field, 'is too short: use at least 8 characters');
  if (password.length > 200) throw invalidInput(field, 'is too long: use at most 200 characters');
  if (!/\p{L}/u.test(password) || !/[^\p{L}]/u.test(password)) {
    throw invalidInput(field, 'is too weak: mix letters with digits or symbols');
  }
  if (common.has(password.toLowerCase())) throw invalidInput(field, 'is too common: choose another');
}
