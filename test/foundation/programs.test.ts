import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

describe('programs', () => {
  it('creates a program with defaults and reads it back', async () => {
    const created = await h.call('POST', '/v1/programs', { body: { name: 'Coffee Club', timezone: 'Europe/Paris' } });
    expect(created.statusCode).toBe(201);
    const program = created.json();
    expect(program).toMatchObject({
      name: 'Coffee Club',
      timezone: 'Europe/Paris',
      settings: { expiringNotifications: { unitsDaysBefore: 7, couponsDaysBefore: 7, tiersDaysBefore: 7 } },
      clock: { now: '2026-03-01T09:00:00.000Z', offsetMs: 0 },
    });
    const read = await h.call('GET', `/v1/programs/${program.id}`);
    expect(read.json()).toEqual(program);
  });
});
