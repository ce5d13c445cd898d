import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scryptParams: ScryptOptions = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const keyLength = 32;

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLength, scryptParams, (error, key) => (error ? reject(error) : resolve(key))));
}

/** scrypt with a random salt; the parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${scryptParams.N}$${scryptParams.r}$${scryptParams.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64'), expected.length,
      { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 },
      (error, derived) => (error ? reject(error) : resolve(derived))));
  return timingSafeEqual(actual, expected);
}

/** A numeric code a person types (activation by e-mail or SMS). */
export function numericCode(digits = 6): string {
  return String(randomInt(0, 10 ** digits)).padStart(digits, '0');
}

/** A random token for links and sessions. */
export function randomToken(prefix = ''): string {
  return prefix + randomBytes(24).toString('base64url');
}

/**
 * Codes and tokens are stored as a hash bound to their owner, so a leaked table gives no usable
 * secret and one member's code never matches another's.
 */
export function secretHash(owner: string, secret: string): Buffer {
  return createHash('sha256').update(`${owner}:${secret}`).digest();
}
