import type { AttemptResult } from './send-attempt.ts';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/** Per-endpoint request timeout unless the endpoint sets its own. */
export const defaultTimeoutMs = 15 * second;

/** An endpoint failing without a single success for this long is disabled. */
export const autoDisableAfterMs = 5 * day;

/**
 * The wait after attempt n (1-based) before attempt n + 1. The first attempt is immediate, so
 * this makes 8 attempts spread over about 27.5 hours: a receiver down for a whole day still gets
 * the message.
 */
export const retryDelaysMs: readonly number[] = [5 * second, 5 * minute, 30 * minute, 2 * hour, 5 * hour, 10 * hour, 10 * hour];

export const maxAttempts = retryDelaysMs.length + 1;

/** Each wait moves by up to ±20 %, so messages that failed together do not all return together. */
export const jitterRatio = 0.2;

/** A Retry-After beyond this is cut to it: a receiver cannot park a message for a week. */
export const maxRetryAfterMs = day;

export type RetryDecision =
  | { kind: 'succeeded' }
  | { kind: 'retry'; at: Date }
  | { kind: 'failed' }
  | { kind: 'disable-endpoint'; reason: string };

/** Jittered wait after attempt `attemptNumber`; `random` returns a number in [0, 1) like Math.random. */
export function retryDelayMs(attemptNumber: number, random: () => number): number {
  checkAttemptNumber(attemptNumber);
  const base = retryDelaysMs[Math.min(attemptNumber, retryDelaysMs.length) - 1] as number;
  return Math.round(base * (1 + jitterRatio * (2 * random() - 1)));
}

/**
 * What follows attempt `attemptNumber` (1-based). 2xx succeeds; 410 Gone disables the endpoint
 * (the receiver said it will never take deliveries again); everything else, redirects, other
 * 4xx and 5xx, timeouts and network errors, is retried on schedule until attempts run out.
 *
 * 429 and 503 honour Retry-After as a lower bound: the retry never comes before the schedule
 * (a receiver answering `Retry-After: 1` must not burn the day-long budget in seconds) nor before
 * the receiver asked, and never later than maxRetryAfterMs. Up to +20 % is added to it so many
 * messages told the same moment do not all arrive at that moment.
 */
export function decideAfterAttempt(
  result: Pick<AttemptResult, 'statusCode' | 'retryAfterSeconds'>,
  attemptNumber: number,
  now: Date,
  random: () => number,
): RetryDecision {
  checkAttemptNumber(attemptNumber);
  const status = result.statusCode;
  if (status !== null && status >= 200 && status < 300) return { kind: 'succeeded' };
  if (status === 410) return { kind: 'disable-endpoint', reason: 'the endpoint answered 410 Gone' };
  if (attemptNumber >= maxAttempts) return { kind: 'failed' };

  let delay = retryDelayMs(attemptNumber, random);
  if ((status === 429 || status === 503) && result.retryAfterSeconds !== null) {
    const asked = result.retryAfterSeconds * second * (1 + jitterRatio * random());
    delay = Math.round(Math.min(Math.max(asked, delay), maxRetryAfterMs));
  }
  return { kind: 'retry', at: new Date(now.getTime() + delay) };
}

function checkAttemptNumber(attemptNumber: number): void {
  if (!Number.isSafeInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attempt numbers start at 1, got ${attemptNumber}`);
  }
}
