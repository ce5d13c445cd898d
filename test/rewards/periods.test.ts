import { describe, expect, it } from 'vitest';
import { periodStart } from '../../src/domain/calendar.ts';

describe('per-period limits count from the start of the calendar period in the program timezone', () => {
  it('day, week (from Monday), month and year', () => {
    // Sunday 1 March 2026, 00:30 in Paris (still 28 February in UTC).
    const now = new Date('2026-02-28T23:30:00.000Z');
    const starts = (['day', 'week', 'month', 'year'] as const).map((period) => periodStart(period, now, 'Europe/Paris').toISOString());
    expect(starts).toEqual([
      '2026-02-28T23:00:00.000Z', // 1 March, midnight in Paris
      '2026-02-22T23:00:00.000Z', // Monday 23 February
      '2026-02-28T23:00:00.000Z', // 1 March
      '2025-12-31T23:00:00.000Z', // 1 January
    ]);
  });
});
