import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactOf, expectProblem, only, startWorld, type Program, type World } from './helpers.ts';

// 2027-02-01T03:00Z is still January 31 (22:00) in New York: the enrolment day is the 31st there.
const start = '2027-02-01T03:00:00.000Z';
const zone = 'America/New_York';

let world: World;
beforeAll(async () => {
  world = await startWorld({ start });
});
afterAll(async () => {
  await world?.close();
});

const advance = async (p: Program, body: { by?: string; to?: string }) => {
  const response = await p.call('POST', `/v1/programs/${p.id}/clock/advance`, body);
  expect(response.statusCode, response.body).toBe(200);
  expect(response.json()).toMatchObject({ reachedTarget: true, failedJob: null });
  return response.json();
};
const local = (iso: string) => DateTime.fromISO(iso, { zone });
const ofSubscription = (events: any[], name: string, lsid: string) =>
  events.filter((e) => e.event_name === name && (e.subscription?.loyalty_subscription_id ?? e.identifiers?.loyalty_subscription_id) === lsid);
const expectNoAnniversaries = (events: any[], contactId: number) => {
  for (const name of ['subscription_month_anniversary', 'subscription_year_anniversary', 'membership_anniversary_reminder']) {
    expect(events.filter((e) => e.event_name === name && contactOf(e) === contactId), name).toEqual([]);
  }
};
const jobsOf = (programId: string) =>
  world.h.db.query<{ subscriptionId: string; kind: string; n: number }>(
    `SELECT payload->>'subscriptionId' AS "subscriptionId", kind, count(*)::int AS n FROM scheduled_jobs
     WHERE program_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`, [programId]);

describe('a year of anniversaries in a program outside UTC', () => {
  it('fires 12 monthly and 1 yearly anniversary for a subscription made on Jan 31, on the last day of shorter months, and the reminder N days before', async () => {
    const p = await world.program({ timezone: zone, settings: { members: { anniversaryReminderDaysBefore: 10 } } });
    const member = await p.register({ cardId: 'ANNIV-1', loyaltySubscriptionId: 'JAN31' });
    expect(local(member.subscription.createdAt).toISODate()).toBe('2027-01-31');
    // A second subscription, back-dated to March 15 of the year before: its own 12 + 1, independently.
    const other = await p.register({ loyaltySubscriptionId: 'MAR15', subscriptionCreatedAt: '2026-03-15T12:00:00.000Z' });
    await p.events();

    const played = await advance(p, { by: 'P1Y' });
    // One due row per subscription and kind, replaced by its successor each time: 2 × (12 months + 1 reminder).
    expect(played.jobsRun).toBe(26);
    const events = await p.events();

    const months = ofSubscription(events, 'subscription_month_anniversary', 'JAN31');
    expect(months.map((e) => local(e.event_date).toISODate())).toEqual([
      '2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31', '2027-06-30', '2027-07-31',
      '2027-08-31', '2027-09-30', '2027-10-31', '2027-11-30', '2027-12-31', '2028-01-31',
    ]);
    // Same local time through the DST changes.
    expect(new Set(months.map((e) => local(e.event_date).toFormat('HH:mm')))).toEqual(new Set(['22:00']));
    for (const e of months) {
      expect(e).toMatchObject({
        contact_id: member.contactId, source: 'scheduler', loyalty_program: { id: p.id },
        subscription: { created_at: member.subscription.createdAt, loyalty_subscription_id: 'JAN31' },
      });
    }

    const years = ofSubscription(events, 'subscription_year_anniversary', 'JAN31');
    expect(years).toHaveLength(1);
    expect(years[0]).toMatchObject({ contact_id: member.contactId, event_date: '2028-02-01T03:00:00.000Z',
      subscription: { created_at: member.subscription.createdAt, loyalty_subscription_id: 'JAN31' } });

    const reminders = ofSubscription(events, 'membership_anniversary_reminder', 'JAN31');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({
      contact_id: member.contactId,
      membership: { card_id: 'ANNIV-1', created_at: member.subscription.createdAt },
      reminder: { unit: 'day', value: 10 },
    });
    expect(local(reminders[0].event_date).toISO()).toBe(local(years[0].event_date).minus({ days: 10 }).toISO());

    const otherMonths = ofSubscription(events, 'subscription_month_anniversary', 'MAR15');
    expect(otherMonths).toHaveLength(12);
    expect(otherMonths.map((e) => local(e.event_date).day)).toEqual(Array(12).fill(15));
    expect(otherMonths.every((e) => contactOf(e) === other.contactId)).toBe(true);
    const otherYear = ofSubscription(events, 'subscription_year_anniversary', 'MAR15');
    expect(otherYear.map((e) => local(e.event_date).toISODate())).toEqual(['2027-03-15']);
    expect(ofSubscription(events, 'membership_anniversary_reminder', 'MAR15').map((e) => local(e.event_date).toISODate()))
      .toEqual(['2027-03-05']);

    // Events of the year come in time order.
    const dates = events.map((e) => e.event_date);
    expect([...dates].sort()).toEqual(dates);
    // Each subscription still has exactly one pending row per kind: next month, next year's reminder.
    expect((await jobsOf(p.id)).map((j) => j.n)).toEqual([1, 1, 1, 1]);
  });

  it('fires one anniversary per month when the clock moves month by month, Feb 29 in a leap year', async () => {
    world.h.clock.set('2028-01-31T15:00:00.000Z'); // 10:00 on Jan 31 in New York
    const p = await world.program({ timezone: zone });
    const member = await p.register({ loyaltySubscriptionId: 'LEAP' });
    await p.events();
    const expected = ['2028-02-29', '2028-03-31', '2028-04-30', '2028-05-31', '2028-06-30', '2028-07-31',
      '2028-08-31', '2028-09-30', '2028-10-31', '2028-11-30', '2028-12-31', '2029-01-31'];
    const seen: any[] = [];
    for (const day of expected) {
      await advance(p, { to: local(`${day}T23:59:00`).toUTC().toISO()! });
      const events = await p.events();
      const months = ofSubscription(events, 'subscription_month_anniversary', 'LEAP');
      expect(months.map((e) => local(e.event_date).toISODate()), `anniversary due on ${day}`).toEqual([day]);
      expect(local(months[0].event_date).toFormat('HH:mm')).toBe('10:00');
      seen.push(...events);
    }
    expect(ofSubscription(seen, 'subscription_year_anniversary', 'LEAP').map((e) => local(e.event_date).toISODate())).toEqual(['2029-01-31']);
    expect(ofSubscription(seen, 'membership_anniversary_reminder', 'LEAP').map((e) => local(e.event_date).toISODate())).toEqual(['2029-01-24']);
    expect(seen.every((e) => contactOf(e) === member.contactId)).toBe(true);
  });
});

describe('the schedule', () => {
  it('holds one row per subscription and kind, and nothing for a revoked subscription, which gets no more anniversaries', async () => {
    world.h.clock.set('2029-06-10T08:00:00.000Z');
    const p = await world.program({ timezone: zone });
    const kept = await p.register({ loyaltySubscriptionId: 'KEPT' });
    const revoked = await p.register({ loyaltySubscriptionId: 'GONE' });
    const jobs = await jobsOf(p.id);
    expect(jobs).toEqual([
      ...[kept, revoked].map((m) => m.subscription.id).sort().flatMap((subscriptionId) => [
        { subscriptionId, kind: 'membership.anniversary-reminder', n: 1 },
        { subscriptionId, kind: 'subscription.month-anniversary', n: 1 },
      ]),
    ]);

    await advance(p, { to: '2029-08-10T12:00:00.000Z' });
    const before = await p.events();
    expect(ofSubscription(before, 'subscription_month_anniversary', 'GONE')).toHaveLength(2);
    expect((await jobsOf(p.id)).every((j) => j.n === 1)).toBe(true);

    expect((await p.call('POST', '/v1/subscriptions/GONE/revoke')).statusCode).toBe(200);
    expect((await jobsOf(p.id)).map((j) => j.subscriptionId)).toEqual([kept.subscription.id, kept.subscription.id]);
    await p.events();

    await advance(p, { by: 'P1Y' });
    const after = await p.events();
    expectNoAnniversaries(after, revoked.contactId);
    expect(ofSubscription(after, 'subscription_month_anniversary', 'KEPT')).toHaveLength(12);
    expect(ofSubscription(after, 'subscription_year_anniversary', 'KEPT')).toHaveLength(1);

    // Enrolling again starts a fresh calendar from the new enrolment.
    const enrolled = await p.call('POST', `/v1/members/${revoked.id}/subscription`, { loyaltySubscriptionId: 'BACK' });
    expect(enrolled.statusCode, enrolled.body).toBe(201);
    await p.events();
    const createdAt = enrolled.json().subscription.createdAt;
    await advance(p, { to: local(createdAt).plus({ months: 1, hours: 1 }).toUTC().toISO()! });
    const back = ofSubscription(await p.events(), 'subscription_month_anniversary', 'BACK');
    expect(back.map((e) => local(e.event_date).toISO())).toEqual([local(enrolled.json().subscription.createdAt).plus({ months: 1 }).toISO()]);
  });

  it('passes a deactivated owner\'s anniversaries in silence and keeps their calendar; after reactivation the next one fires', async () => {
    world.h.clock.set('2032-03-10T08:00:00.000Z'); // 04:00 in New York
    const p = await world.program({ timezone: zone, settings: { members: { anniversaryReminderDaysBefore: 5 } } });
    const member = await p.register({ loyaltySubscriptionId: 'QUIET' });
    await p.register({ loyaltySubscriptionId: 'LOUD' });
    await advance(p, { to: '2032-04-10T12:00:00.000Z' });
    expect(ofSubscription(await p.events(), 'subscription_month_anniversary', 'QUIET')).toHaveLength(1);

    const deactivated = await p.call('POST', `/v1/members/${member.id}/deactivate`);
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    await p.events();
    // Through the yearly anniversary and its reminder, 2033-03-10 and 03-05.
    await advance(p, { to: '2033-03-20T12:00:00.000Z' });
    const quiet = await p.events();
    expectNoAnniversaries(quiet, member.contactId);
    expect(ofSubscription(quiet, 'subscription_month_anniversary', 'LOUD')).toHaveLength(11);
    expect(ofSubscription(quiet, 'subscription_year_anniversary', 'LOUD')).toHaveLength(1);
    expect(ofSubscription(quiet, 'membership_anniversary_reminder', 'LOUD')).toHaveLength(1);
    // The calendar went on: one row per kind, the next ones due.
    expect((await jobsOf(p.id)).filter((j) => j.subscriptionId === member.subscription.id).map((j) => j.n)).toEqual([1, 1]);

    const reactivated = await p.call('POST', `/v1/members/${member.id}/reactivate`);
    expect(reactivated.statusCode, reactivated.body).toBe(200);
    await p.events();
    await advance(p, { to: '2033-04-10T12:00:00.000Z' });
    // The next anniversary only: the eleven passed meanwhile are not caught up.
    const back = ofSubscription(await p.events(), 'subscription_month_anniversary', 'QUIET');
    expect(back.map((e) => local(e.event_date).toISODate())).toEqual(['2033-04-10']);
    expect(back[0]).toMatchObject({ contact_id: member.contactId, subscription: { loyalty_subscription_id: 'QUIET' } });
  });

  it('sends a null card id in the reminder for a member without a card', async () => {
    world.h.clock.set('2031-01-10T08:00:00.000Z');
    const p = await world.program({ settings: { members: { cardIdPattern: null, anniversaryReminderDaysBefore: 0 } } });
    const member = await p.register();
    expect(member.cardId).toBeNull();
    await p.events();
    await advance(p, { by: 'P1Y' });
    const events = await p.events();
    const reminder = only(events, 'membership_anniversary_reminder');
    expect(reminder).toMatchObject({ membership: { card_id: null, created_at: member.subscription.createdAt }, reminder: { unit: 'day', value: 0 } });
    expect(reminder.event_date).toBe(only(events, 'subscription_year_anniversary').event_date);
  });

  it('refuses to move the clock backwards', async () => {
    const p = await world.program();
    expectProblem(await p.call('POST', `/v1/programs/${p.id}/clock/advance`, { by: '-P1D' }), 422, '/by');
  });
});
