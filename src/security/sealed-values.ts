import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * Credentials kept at rest (webhook signing secrets, bearer tokens, basic-auth passwords) are
 * sealed with AES-256-GCM under the operator's key: `enc:v1:<base64(iv | tag | ciphertext)>`, a
 * random 12-byte IV per value. The associated data names where the value belongs (table, row,
 * column), so a sealed value copied to another row or column does not open.
 */
export interface SealingKey {
  readonly key: KeyObject;
}

const prefix = 'enc:v1:';
const ivBytes = 12;
const tagBytes = 16;

/** Where a sealed value lives; part of the associated data. */
export interface SealedPlace {
  programId: string;
  rowId: string;
  column: string;
}

/** A value that does not open: another key, another place, or damaged. */
export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

/**
 * The operator's key: 32 bytes written as 64 hex digits or as base64 (44 characters with
 * padding, base64url accepted). Anything else is refused with a message saying so.
 */
export function parseSealingKey(text: string, source = 'PUNCHCARD_ENCRYPTION_KEY'): SealingKey {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (!bytes || bytes.length !== 32) {
    throw new Error(`${source} must be 32 bytes written as 64 hex digits or as base64 (e.g. the output of \`openssl rand -base64 32\`)`);
  }
  return { key: createSecretKey(bytes) };
}

/** A fresh random key, written as 64 hex digits. */
export function newSealingKeyText(): string {
  return randomBytes(32).toString('hex');
}

function associatedData(place: SealedPlace): Buffer {
  return Buffer.from(JSON.stringify(['punchcard', place.programId, place.rowId, place.column]));
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(prefix);
}

export function seal(key: SealingKey, plain: string, place: SealedPlace): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(associatedData(place));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return prefix + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/**
 * The clear value. One without the prefix was stored before sealing existed and is returned as it
 * is (it is sealed the next time its row is written).
 */
export function open(key: SealingKey, stored: string, place: SealedPlace): string {
  if (!isSealed(stored)) return stored;
  const bytes = Buffer.from(stored.slice(prefix.length), 'base64');
  if (bytes.length < ivBytes + tagBytes) throw new SealedValueError(`${place.column} is sealed but truncated`);
  const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(0, ivBytes));
  decipher.setAAD(associatedData(place));
  decipher.setAuthTag(bytes.subarray(ivBytes, ivBytes + tagBytes));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(ivBytes + tagBytes)), decipher.final()]).toString('utf8');
  } catch {
    throw new SealedValueError(
      `${place.column} of ${place.rowId} does not open: PUNCHCARD_ENCRYPTION_KEY is not the key it was sealed with, ` +
        'or the value was copied from another row or column');
  }
}

export function sealNullable(key: SealingKey, plain: string | null, place: SealedPlace): string | null {
  return plain === null ? null : seal(key, plain, place);
}

export function openNullable(key: SealingKey, stored: string | null, place: SealedPlace): string | null {
  return stored === null ? null : open(key, stored, place);
}
