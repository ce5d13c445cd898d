import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** Standard Webhooks prefix: receivers' libraries strip it before base64-decoding the key. */
const SECRET_PREFIX = 'whsec_';

/** 32 random bytes: the upper end of what Standard Webhooks recommends (24 to 64). */
const SECRET_BYTES = 32;

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * One `v1,<signature>` per secret, space-separated: during a rotation the receiver may still hold
 * the old secret or already the new one, and accepts the delivery if any signature matches.
 */
export function signatureHeader(secrets: readonly string[], msgId: string, timestampSeconds: number, body: string): string {
  if (secrets.length === 0) throw new TypeError('at least one signing secret is required');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new TypeError(`timestamp must be whole seconds, got ${timestampSeconds}`);
  }
  const signed = `${msgId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(signed, 'utf8').digest('base64')}`)
    .join(' ');
}

/** The three headers of one attempt; the timestamp is the attempt's, so each retry is signed afresh. */
export function webhookHeaders(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): WebhookHeaders {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatureHeader(secrets, msgId, timestampSeconds, body),
  };
}

/**
 * Decoded keys by secret: checking and base64-decoding a secret, and making its key object, cost
 * about a tenth of a worker's CPU when done for every attempt. Bounded: forgotten wholesale when
 * it grows large (rotated secrets fall out that way).
 */
const keys = new Map<string, KeyObject>();
const maxKeys = 1000;

/** Refuses anything but `whsec_<base64>`: a secret stored wrongly must fail loudly, not sign with garbage. */
function secretKey(secret: string): KeyObject {
  const known = keys.get(secret);
  if (known) return known;
  if (!secret.startsWith(SECRET_PREFIX)) throw new TypeError('signing secret must start with whsec_');
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new TypeError('signing secret must be whsec_ followed by base64');
  }
  const key = createSecretKey(Buffer.from(encoded, 'base64'));
  if (keys.size >= maxKeys) keys.clear();
  keys.set(secret, key);
  return key;
}
