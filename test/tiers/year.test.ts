import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { nameOf, tierProgram } from './support.ts';
import { closeReceivers } from '../ledger/support.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sandbox: true, start: '2026-03-01T09:00:00.000Z' });
});
afterAll(async () => {
  await h?.close();
  await closeReceivers();
});

const zone = 'Europe/Paris';
/** name@time, the time in UTC ISO form. */
const line = (e: any) => `${nameOf(e)}@${e.event_date ?? e.timestamp}`;
const monthly = (from: string, months: number[]) =>
  months.map((k) => DateTime.fromISO(from, { zone }).plus({ months: k }).toUTC().toISO());

describe("a member's year with the sandbox clock", () => {
  it('enrols in the default tier, upgrades at once on earning, keeps the tier through a spend, is reminded, has anniversaries and is downgraded on the tier anniversary', async () => {
    const p = await tierProgram(h);
    // Upgrades in real time; downgrades only on the anniversary of the tier.
    const medal = await p.group({ name: 'Medal', upgradeStrategy: { kind: 'realtime' }, downgradeStrategy: { kind: 'tier_anniversary' } }, [
      ['Bronze', []],
      ['Silver', [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum: 100 }]],
      ['Gold', [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum: 500 }]],
    ]);
    const [bronze, silver, gold] = medal.tiers;

    const member = await p.member();
    const enrolment = await p.events();
    expect(enrolment.map(nameOf)).toEqual(['CustomerRegistered', 'subscription_created', 'CustomerLevelChanged', 'tier_association_updated']);
    const created = enrolment[1];
    expect(enrolment[2].data).toMatchObject({ tierSetId: medal.id, tierSetName: 'Medal', levelId: bronze.id, levelName: 'Bronze',
      previousLevelId: null, previousLevelName: null, manual: false, direction: 'up' });
    expect(enrolment[2].data.customer.customerId).toBe(member.id);
    expect(enrolment[3]).toMatchObject({ contact_id: member.contactId, from_tier: { id: null, name: null }, to_tier: { id: bronze.id, name: 'Bronze' },
      tier_group: { id: medal.id, name: 'Medal' }, upgraded: true, source_event_id: created.event_id });

    // Six weeks on: Bronze's first monthly anniversary (10:00 Paris), then 600 points: Gold at once.
    await p.advance({ to: '2026-04-15T10:00:00.000Z' });
    const credit = await p.move(member.id, 'credit', 600);
    const earn = await p.events();
    expect(earn.map(line)).toEqual([
      'tier_association_month_anniversary@2026-04-01T08:00:00.000Z',
      'AvailablePointsAmountChanged@2026-04-15T10:00:00.000Z',
      'WalletBalanceUpdated@2026-04-15T10:00:00.000Z',
      'balance_value_updated@2026-04-15T10:00:00.000Z',
      'CustomerLevelChanged@2026-04-15T10:00:00.000Z',
      'tier_association_updated@2026-04-15T10:00:00.000Z',
    ]);
    expect(earn[0]).toMatchObject({ tier: { id: bronze.id, name: 'Bronze' }, created_at: '2026-03-01T09:00:00.000Z' });
    expect(earn[4].data).toMatchObject({ levelName: 'Gold', previousLevelName: 'Bronze', direction: 'up', manual: false });
    expect(earn[5]).toMatchObject({ from_tier: { id: bronze.id, name: 'Bronze' }, to_tier: { id: gold.id, name: 'Gold' },
      upgraded: true, source_event_id: credit.id });

    // A spend leaves 150: real-time downgrades are off, so Gold stays until its anniversary.
    await p.advance({ to: '2026-06-01T10:00:00.000Z' });
    await p.move(member.id, 'debit', 450);
    expect((await p.events()).map(nameOf)).toEqual([
      'tier_association_month_anniversary', 'AvailablePointsAmountChanged', 'WalletBalanceUpdated', 'balance_value_updated',
    ]);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Gold', manual: false, attributedAt: '2026-04-15T10:00:00.000Z',
      nextRecalculationAt: '2027-04-15T10:00:00.000Z' }]);

    await p.advance({ to: '2027-04-16T00:00:00.000Z' });
    const year = await p.events();
    const months = monthly('2026-04-15T10:00:00.000Z', [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(year.map(line)).toEqual([
      ...months.map((at) => `tier_association_month_anniversary@${at}`),
      // Seven days (the program's expiringNotifications.tiersDaysBefore) before the tier anniversary and its recalculation.
      'tier_anniversary_reminder@2027-04-08T10:00:00.000Z',
      'LevelWillExpire@2027-04-08T10:00:00.000Z',
      'tier_association_month_anniversary@2027-04-15T10:00:00.000Z',
      'tier_association_year_anniversary@2027-04-15T10:00:00.000Z',
      'CustomerLevelChanged@2027-04-15T10:00:00.000Z',
      'tier_association_updated@2027-04-15T10:00:00.000Z',
    ]);
    // Winter months fall at 12:00 Paris time too: 11:00 UTC.
    expect(months).toContain('2027-01-15T11:00:00.000Z');
    const byName = (name: string) => year.filter((e) => nameOf(e) === name);
    expect(byName('tier_anniversary_reminder')[0]).toMatchObject({
      attributed_at: '2026-04-15T10:00:00.000Z', tier: { id: gold.id, name: 'Gold' }, tier_group: { id: medal.id, name: 'Medal' },
      reminder: { unit: 'day', value: 7 }, membership: { card_id: member.cardId, created_at: '2026-03-01T09:00:00.000Z' },
    });
    expect(byName('LevelWillExpire')[0].data).toMatchObject({ levelId: gold.id, levelName: 'Gold', tierSetId: medal.id,
      recalculatesAt: '2027-04-15T10:00:00.000Z', daysBefore: 7 });
    expect(byName('tier_association_year_anniversary')[0]).toMatchObject({ created_at: '2026-04-15T10:00:00.000Z', tier: { name: 'Gold' } });
    expect(byName('CustomerLevelChanged')[0].data).toMatchObject({ levelId: silver.id, levelName: 'Silver', previousLevelId: gold.id,
      previousLevelName: 'Gold', direction: 'down', manual: false });
    expect(byName('tier_association_updated')[0]).toMatchObject({ from_tier: { name: 'Gold' }, to_tier: { id: silver.id, name: 'Silver' },
      upgraded: false, source_event_id: null, source: 'scheduler' });
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Silver', attributedAt: '2027-04-15T10:00:00.000Z',
      nextRecalculationAt: '2028-04-15T10:00:00.000Z' }]);
  });
});

describe('yearly strategies of both kinds', () => {
  it('upgrades on the membership anniversary only, and downgrades on the fixed date after LevelWillExpire', async () => {
    const p = await tierProgram(h);
    await p.group({ name: 'Status', upgradeStrategy: { kind: 'membership_anniversary' }, downgradeStrategy: { kind: 'fixed_date', month: 6, day: 1 },
      anniversaryReminderDaysBefore: 3 }, [
      ['Bronze', []], ['Silver', [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum: 100 }]],
    ]);
    const member = await p.member();
    const moves = async () => (await p.events()).filter((e) => /^(CustomerLevelChanged|LevelWillExpire|tier_anniversary_reminder)$/.test(nameOf(e)))
      .map((e) => e.data ? `${nameOf(e)}:${e.data.levelName}:${e.data.direction ?? ''}@${e.timestamp}`
        : `${nameOf(e)}:${e.tier.name}:${e.reminder.value} ${e.reminder.unit}@${e.event_date}`);
    expect(await moves()).toEqual(['CustomerLevelChanged:Bronze:up@2026-03-01T09:00:00.000Z']);
    // Earned now, but the 1 June moment only downgrades: Silver waits for the enrolment anniversary.
    await p.move(member.id, 'credit', 200);
    await p.advance({ to: '2027-03-02T00:00:00.000Z' });
    // The group's own reminder setting (3 days) before the Bronze anniversary, not the program's 7.
    expect(await moves()).toEqual(['tier_anniversary_reminder:Bronze:3 day@2027-02-26T09:00:00.000Z',
      'CustomerLevelChanged:Silver:up@2027-03-01T09:00:00.000Z']);
    await p.move(member.id, 'debit', 200);
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Silver', nextRecalculationAt: '2027-05-31T22:00:00.000Z' }]);
    await p.advance({ to: '2027-06-02T00:00:00.000Z' });
    expect(await moves()).toEqual(['LevelWillExpire:Silver:@2027-05-24T22:00:00.000Z', 'CustomerLevelChanged:Bronze:down@2027-05-31T22:00:00.000Z']);
  });
});

describe('real-time downgrades', () => {
  it('send no LevelWillExpire before a yearly upgrade moment: nothing can expire then', async () => {
    const p = await tierProgram(h);
    await p.group({ name: 'Status', upgradeStrategy: { kind: 'membership_anniversary' }, downgradeStrategy: { kind: 'realtime' } }, [
      ['Bronze', []], ['Silver', [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum: 100 }]],
    ]);
    const member = await p.member();
    await p.move(member.id, 'credit', 200);
    // A program recalculation moves the member up now; the next moment is the enrolment anniversary.
    await p.ok('POST', '/v1/tier-recalculations', undefined, 202);
    await p.advance({ by: 'PT1S' });
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Silver', nextRecalculationAt: '2027-03-01T09:00:00.000Z' }]);
    await p.events();
    await p.advance({ to: '2027-03-02T00:00:00.000Z' });
    const names = (await p.events()).map(nameOf);
    expect(names).toContain('tier_anniversary_reminder');
    expect(names).not.toContain('LevelWillExpire');
    expect(await p.tiers(member.id)).toMatchObject([{ tierName: 'Silver', nextRecalculationAt: '2028-03-01T09:00:00.000Z' }]);
  });
});

describe("the program's tiersDaysBefore", () => {
  it('times LevelWillExpire and the tier anniversary reminder, each reporting the offset it was scheduled at when the setting changes', async () => {
    const p = await tierProgram(h, { settings: { expiringNotifications: { tiersDaysBefore: 10 } } });
    // No anniversaryReminderDaysBefore: the tier anniversary reminder follows the program setting too.
    await p.group({ name: 'Medal', upgradeStrategy: { kind: 'realtime' }, downgradeStrategy: { kind: 'tier_anniversary' } }, [
      ['Bronze', []],
      ['Silver', [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum: 100 }]],
      ['Gold', [{ kind: 'availableUnits', balanceDefinitionId: p.points, minimum: 500 }]],
    ]);
    const member = await p.member();
    await p.move(member.id, 'credit', 600);
    await p.move(member.id, 'debit', 450);
    const reminders = async () => (await p.events()).filter((e) => /^(LevelWillExpire|tier_anniversary_reminder|CustomerLevelChanged)$/.test(nameOf(e)))
      .map((e) => nameOf(e) === 'CustomerLevelChanged' ? `${line(e)} ${e.data.levelName}`
        : nameOf(e) === 'LevelWillExpire' ? `${line(e)} ${e.data.daysBefore} days before ${e.data.recalculatesAt}`
          : `${line(e)} ${e.reminder.value} ${e.reminder.unit}`);
    expect(await reminders()).toEqual(['CustomerLevelChanged@2026-03-01T09:00:00.000Z Bronze', 'CustomerLevelChanged@2026-03-01T09:00:00.000Z Gold']);

    // Changed once Gold's reminders are on the schedule: those keep their time and say so truthfully.
    await p.ok('PATCH', `/v1/programs/${p.id}`, { settings: { expiringNotifications: { tiersDaysBefore: 3 } } });
    await p.advance({ to: '2027-03-02T00:00:00.000Z' });
    expect(await reminders()).toEqual([
      'tier_anniversary_reminder@2027-02-19T09:00:00.000Z 10 day',
      'LevelWillExpire@2027-02-19T09:00:00.000Z 10 days before 2027-03-01T09:00:00.000Z',
      'CustomerLevelChanged@2027-03-01T09:00:00.000Z Silver',
    ]);
    // Silver's year is scheduled under the new setting.
    await p.advance({ to: '2028-03-02T00:00:00.000Z' });
    expect(await reminders()).toEqual([
      'tier_anniversary_reminder@2028-02-27T09:00:00.000Z 3 day',
      'LevelWillExpire@2028-02-27T09:00:00.000Z 3 days before 2028-03-01T09:00:00.000Z',
    ]);
  });
});
