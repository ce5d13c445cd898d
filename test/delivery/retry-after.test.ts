import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/delivery/retry-after.ts';

const now = new Date('2026-03-01T12:00:00.000Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date relative to now, rounding up', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:05:00 GMT', now)).toBe(300);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:00 GMT', new Date('2026-03-01T11:59:59.200Z'))).toBe(1);
  });

  it('reads a date in the past as 0', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });

  it.each([undefined, null, '', '-5', '1.5', 'soon', 'Sun Mar  1 12:05:00 2026', 'Sun, 99 Mar 2026 12:05:00 GMT'])(
    'ignores %j',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeNull();
    },
  );
});
