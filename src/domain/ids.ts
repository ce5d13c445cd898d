import { randomBytes } from 'node:crypto';

let lastMs = -1;
let counter = 0;

/**
 * UUIDv7 (RFC 9562): time-ordered, so ids double as stable pagination cursors and keep
 * index inserts local. Within one millisecond the 12 bits after the version count up
 * (RFC 9562 §6.2, method 1), so ids made by this process never go backwards, even when the
 * clock stands still, as a test's clock does. The time comes from the caller's clock.
 */
export function uuidv7(now: Date): string {
  let ms = now.getTime();
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      ms = ++lastMs;
      counter = 0;
    }
  } else {
    lastMs = ms;
    counter = 0;
  }
  const bytes = randomBytes(16);
  let rest = BigInt(ms);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
