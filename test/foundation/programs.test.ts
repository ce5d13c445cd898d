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

describe('program updates', () => {
  it('patches only what is sent; settings merge field by field', async () => {
    const created = (await h.call('POST', '/v1/programs', {
      body: { name: 'Tea Club', settings: { expiringNotifications: { unitsDaysBefore: 14 } } },
    })).json();
    expect(created.settings.expiringNotifications).toEqual({ unitsDaysBefore: 14, couponsDaysBefore: 7, tiersDaysBefore: 7 });
    expect(created.timezone).toBe('UTC');

    h.clock.advance(5_000);
    const patched = await h.call('PATCH', `/v1/programs/${created.id}`, {
      body: { timezone: 'America/New_York', settings: { expiringNotifications: { couponsDaysBefore: 0 } } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      id: created.id,
      name: 'Tea Club',
      timezone: 'America/New_York',
      settings: { expiringNotifications: { unitsDaysBefore: 14, couponsDaysBefore: 0, tiersDaysBefore: 7 } },
      createdAt: created.createdAt,
      updatedAt: h.clock.now().toISOString(),
    });
    expect((await h.call('GET', `/v1/programs/${created.id}`)).json()).toEqual(patched.json());

    const renamed = await h.call('PATCH', `/v1/programs/${created.id}`, { body: { name: 'Tea Society' } });
    expect(renamed.json()).toMatchObject({ name: 'Tea Society', timezone: 'America/New_York' });
    expect(renamed.json().settings).toEqual(patched.json().settings);
  });

  it('an empty patch changes nothing but the update time', async () => {
    const created = (await h.call('POST', '/v1/programs', { body: { name: 'Idle' } })).json();
    h.clock.advance(1_000);
    const res = await h.call('PATCH', `/v1/programs/${created.id}`, { body: {} });
    expect(res.statusCode).toBe(200);
    const { updatedAt, ...rest } = res.json();
    const { updatedAt: before, ...restBefore } = created;
    expect(rest).toEqual({ ...restBefore, clock: { ...restBefore.clock, now: h.clock.now().toISOString() } });
    expect(updatedAt).toBe(h.clock.now().toISOString());
    expect(before).not.toBe(updatedAt);
  });

  it('the program clock is the instance clock plus the sandbox offset', async () => {
    const created = (await h.call('POST', '/v1/programs', { body: { name: 'Clocked' } })).json();
    await h.call('POST', `/v1/programs/${created.id}/clock/advance`, { body: { by: 'PT2H' } });
    h.clock.advance(60_000);
    const read = (await h.call('GET', `/v1/programs/${created.id}`)).json();
    expect(read.clock).toEqual({ now: new Date(h.clock.now().getTime() + 2 * 3_600_000).toISOString(), offsetMs: 2 * 3_600_000 });
  });
});
