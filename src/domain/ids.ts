import { randomFillSync } from 'node:crypto';

let lastMs = -1;
let counter = 0;

const hex = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));
/**
 * Random bytes are drawn a few kilobytes at a time: one call to the system's generator per id
 * cost more than the rest of making it, and busy paths make several ids per request.
 */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

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
  if (poolAt + 8 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = pool;
  const at = poolAt;
  poolAt += 8;
  const time = ms.toString(16).padStart(12, '0');
  // 48 bits of time, version 7 with the 12-bit counter, then the variant (10) and 62 random bits.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hex[counter >> 8][1]}${hex[counter & 0xff]}-`
    + `${hex[(r[at] & 0x3f) | 0x80]}${hex[r[at + 1]]}-${hex[r[at + 2]]}${hex[r[at + 3]]}${hex[r[at + 4]]}${hex[r[at + 5]]}${hex[r[at + 6]]}${hex[r[at + 7]]}`;
}
