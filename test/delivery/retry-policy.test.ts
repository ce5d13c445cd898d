import { describe, expect, it } from 'vitest';
import {
  autoDisableAfterMs,
  decideAfterAttempt,
  defaultTimeoutMs,
  maxAttempts,
  maxRetryAfterMs,
  retryDelayMs,
  retryDelaysMs,
} from '../../src/delivery/retry-policy.ts';

const now = new Date('2026-03-01T12:00:00.000Z');
const s = 1000;
const min = 60 * s;
const h = 60 * min;

// random() = 0.5 means no jitter; 0 is the shortest wait (-20 %), just under 1 the longest (+20 %).
const middle = () => 0.5;
const lowest = () => 0;
const highest = () => 0.999999;

const status = (statusCode: number | null, retryAfterSeconds: number | null = null) => ({ statusCode, retryAfterSeconds });
const waitOf = (decision: ReturnType<typeof decideAfterAttempt>) => {
  if (decision.kind !== 'retry') throw new Error(`expected a retry, got ${decision.kind}`);
  return decision.at.getTime() - now.getTime();
};

describe('constants', () => {
  it('spreads 8 attempts over more than a day', () => {
    expect(retryDelaysMs).toEqual([5 * s, 5 * min, 30 * min, 2 * h, 5 * h, 10 * h, 10 * h]);
    expect(maxAttempts).toBe(8);
    const total = retryDelaysMs.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThan(24 * h);
    // Even with every wait at its shortest.
    expect(total * 0.8).toBeGreaterThan(22 * h);
  });

  it('times out endpoints after 15 s and disables them after 5 days without success', () => {
    expect(defaultTimeoutMs).toBe(15_000);
    expect(autoDisableAfterMs).toBe(5 * 24 * h);
    expect(maxRetryAfterMs).toBe(24 * h);
  });
});

describe('retryDelayMs', () => {
  it('follows the schedule without jitter at random() = 0.5', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, middle))).toEqual(retryDelaysMs);
  });

  it('stays within ±20 %', () => {
    retryDelaysMs.forEach((base, index) => {
      expect(retryDelayMs(index + 1, lowest)).toBe(base * 0.8);
      expect(retryDelayMs(index + 1, highest)).toBeLessThanOrEqual(base * 1.2);
      expect(retryDelayMs(index + 1, highest)).toBeGreaterThan(base * 1.19);
    });
    expect(retryDelayMs(1, () => 0.25)).toBe(4500);
    expect(retryDelayMs(1, () => 0.75)).toBe(5500);
  });

  it('refuses attempt numbers that are not 1 or more', () => {
    expect(() => retryDelayMs(0, middle)).toThrow(RangeError);
    expect(() => retryDelayMs(1.5, middle)).toThrow(RangeError);
  });
});

describe('decideAfterAttempt', () => {
  it.each([200, 201, 202, 204, 299])('succeeds on %i', (code) => {
    expect(decideAfterAttempt(status(code), 1, now, middle)).toEqual({ kind: 'succeeded' });
  });

  it('succeeds on 2xx even on the last attempt', () => {
    expect(decideAfterAttempt(status(200), maxAttempts, now, middle)).toEqual({ kind: 'succeeded' });
  });

  it('disables the endpoint on 410 Gone, whatever the attempt', () => {
    for (const attempt of [1, maxAttempts]) {
      expect(decideAfterAttempt(status(410), attempt, now, middle)).toEqual({
        kind: 'disable-endpoint',
        reason: 'the endpoint answered 410 Gone',
      });
    }
  });

  it.each([
    ['a redirect', 301],
    ['a redirect', 302],
    ['a redirect', 308],
    ['an informational status', 100],
    ['a client error', 400],
    ['a client error', 401],
    ['a client error', 404],
    ['a server error', 500],
    ['a server error', 502],
    ['a timeout or network error', null],
  ])('retries %s (%s) on schedule', (_what, code) => {
    expect(waitOf(decideAfterAttempt(status(code), 1, now, middle))).toBe(5 * s);
    expect(waitOf(decideAfterAttempt(status(code), 3, now, middle))).toBe(30 * min);
  });

  it('waits each scheduled delay in turn and fails after the 8th attempt', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => waitOf(decideAfterAttempt(status(500), n, now, middle)));
    expect(waits).toEqual(retryDelaysMs);
    expect(decideAfterAttempt(status(500), 8, now, middle)).toEqual({ kind: 'failed' });
    expect(decideAfterAttempt(status(null), 8, now, middle)).toEqual({ kind: 'failed' });
    expect(decideAfterAttempt(status(429, 60), 8, now, middle)).toEqual({ kind: 'failed' });
  });

  it('applies jitter to the retry time', () => {
    expect(waitOf(decideAfterAttempt(status(500), 4, now, lowest))).toBe(1.6 * h);
    expect(waitOf(decideAfterAttempt(status(500), 4, now, highest))).toBeLessThanOrEqual(2.4 * h);
  });

  it.each([429, 503])('honours a Retry-After longer than the schedule on %i', (code) => {
    // 120 s asked after attempt 1 (5 s scheduled), plus upward jitter only.
    expect(waitOf(decideAfterAttempt(status(code, 120), 1, now, lowest))).toBe(120 * s);
    expect(waitOf(decideAfterAttempt(status(code, 120), 1, now, middle))).toBe(132 * s);
    expect(waitOf(decideAfterAttempt(status(code, 120), 1, now, highest))).toBeLessThanOrEqual(144 * s);
  });

  it.each([429, 503])('never retries sooner than the schedule on %i', (code) => {
    expect(waitOf(decideAfterAttempt(status(code, 0), 1, now, middle))).toBe(5 * s);
    expect(waitOf(decideAfterAttempt(status(code, 1), 2, now, middle))).toBe(5 * min);
    expect(waitOf(decideAfterAttempt(status(code, 60), 5, now, middle))).toBe(5 * h);
  });

  it('clamps a long Retry-After to 24 hours', () => {
    expect(waitOf(decideAfterAttempt(status(429, 7 * 24 * 3600), 1, now, middle))).toBe(24 * h);
    expect(waitOf(decideAfterAttempt(status(503, 23 * 3600), 1, now, middle))).toBe(24 * h);
  });

  it('ignores Retry-After on other statuses', () => {
    expect(waitOf(decideAfterAttempt(status(500, 3600), 1, now, middle))).toBe(5 * s);
    expect(waitOf(decideAfterAttempt(status(302, 3600), 1, now, middle))).toBe(5 * s);
  });

  it('retries 429 and 503 without Retry-After on schedule', () => {
    expect(waitOf(decideAfterAttempt(status(429), 2, now, middle))).toBe(5 * min);
    expect(waitOf(decideAfterAttempt(status(503), 2, now, middle))).toBe(5 * min);
  });

  it('refuses attempt numbers that are not 1 or more', () => {
    expect(() => decideAfterAttempt(status(500), 0, now, middle)).toThrow(RangeError);
  });
});
