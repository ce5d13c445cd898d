import type { Clock } from '../../clock/clock.ts';
import { Problem } from '../../domain/problem.ts';

/**
 * A per-client cap on login attempts (fixed one-minute windows, in memory). It slows guessing
 * across many accounts from one address; the per-account lock-out in the login use case stops
 * guessing one account from many addresses.
 */
export function createLoginThrottle(clock: Clock, perMinute = 20) {
  const windows = new Map<string, { start: number; count: number }>();
  return (client: string): void => {
    const now = clock.now().getTime();
    const window = windows.get(client);
    if (!window || now - window.start >= 60_000) {
      if (windows.size > 10_000) windows.clear();
      windows.set(client, { start: now, count: 1 });
      return;
    }
    window.count++;
    if (window.count > perMinute) {
      throw new Problem(429, 'too-many-logins', 'Too many login attempts', 'too many login attempts from this client; wait a minute');
    }
  };
}
