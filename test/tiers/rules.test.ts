import { describe, expect, it } from 'vitest';
import { memberTierMoments, nextStrategyMoment, strategyAllows } from '../../src/domain/tiers/moments.ts';
import { computedTier, rewardsToGrantOnEntry } from '../../src/domain/tiers/qualify.ts';
import type { Tier, TierGroup } from '../../src/domain/tiers/tier-group.ts';
import { applyGroupInput } from '../../src/domain/tiers/tier-rules.ts';

const tier = (name: string, order: number, extra: Partial<Tier> = {}): Tier => ({
  id: name, programId: 'p', groupId: 'g', name, order, isDefault: false, conditions: [], conditionsMatch: 'all',
  rewardsOnEntry: [], metadata: {}, createdAt: new Date(0), updatedAt: new Date(0), ...extra,
});
const available = (minimum: number) => ({ kind: 'availableUnits' as const, balanceDefinitionId: 'd', minimum });
const months = (minimum: number) => ({ kind: 'monthsSinceJoining' as const, minimum });

describe('the tier a standing earns', () => {
  const tiers = [
    tier('Bronze', 0, { isDefault: true }),
    tier('Silver', 1, { conditions: [available(100), months(6)] }),
    tier('Gold', 2, { conditions: [available(500), months(24)], conditionsMatch: 'any' }),
    tier('Staff', 3), // no conditions: reached by hand only
  ];
  const standing = (units: number, m: number) => new Map([['available:d', units], ['monthsSinceJoining', m]]);

  it('is the highest tier whose conditions hold, all or any, and the default otherwise', () => {
    expect(computedTier(tiers, standing(99, 23))?.name).toBe('Bronze');
    expect(computedTier(tiers, standing(100, 5))?.name).toBe('Bronze');
    expect(computedTier(tiers, standing(100, 6))?.name).toBe('Silver');
    expect(computedTier(tiers, standing(500, 0))?.name).toBe('Gold');
    expect(computedTier(tiers, standing(0, 24))?.name).toBe('Gold');
    expect(computedTier([], standing(0, 0))).toBeUndefined();
  });

  it('grants the rewards of a tier entered upwards only', () => {
    const gold = tier('Gold', 2, { rewardsOnEntry: ['r1'] });
    expect(rewardsToGrantOnEntry(null, gold)).toEqual(['r1']);
    expect(rewardsToGrantOnEntry(tier('Silver', 1), gold)).toEqual(['r1']);
    expect(rewardsToGrantOnEntry(tier('Platinum', 3), gold)).toEqual([]);
  });
});

describe('strategy moments (program time)', () => {
  const zone = 'Europe/Paris';
  const refs = { joinedAt: new Date('2024-02-29T11:00:00Z'), attributedAt: new Date('2026-01-31T23:30:00Z') };

  it('falls on anniversaries and fixed dates in the program timezone', () => {
    // Joined on 29 February: the anniversary falls on the 28th in other years.
    expect(nextStrategyMoment({ kind: 'membership_anniversary' }, refs, new Date('2026-03-01T00:00:00Z'), zone)?.toISOString())
      .toBe('2027-02-28T11:00:00.000Z');
    // Attributed 1 February 00:30 Paris time.
    expect(nextStrategyMoment({ kind: 'tier_anniversary' }, refs, new Date('2026-03-01T00:00:00Z'), zone)?.toISOString())
      .toBe('2027-01-31T23:30:00.000Z');
    expect(nextStrategyMoment({ kind: 'fixed_date', month: 7, day: 1 }, refs, new Date('2026-07-01T00:00:00Z'), zone)?.toISOString())
      .toBe('2027-06-30T22:00:00.000Z');
    expect(nextStrategyMoment({ kind: 'realtime' }, refs, new Date(), zone)).toBeNull();
    expect(nextStrategyMoment({ kind: 'none' }, refs, new Date(), zone)).toBeNull();
  });

  it('lets a yearly strategy move a tier only at its own moment, and real time always', () => {
    const moment = new Date('2027-01-31T23:30:00Z');
    expect(strategyAllows({ kind: 'tier_anniversary' }, refs, moment, zone)).toBe(true);
    expect(strategyAllows({ kind: 'membership_anniversary' }, refs, moment, zone)).toBe(false);
    expect(strategyAllows({ kind: 'realtime' }, refs, moment, zone)).toBe(true);
  });

  it('schedules the next recalculation, LevelWillExpire before a possible downgrade, and the tier reminders', () => {
    const group = applyGroupInput(null, { name: 'Medal', upgradeStrategy: { kind: 'fixed_date', month: 1, day: 1 },
      downgradeStrategy: { kind: 'membership_anniversary' } }, { id: 'g', programId: 'p' }, new Date());
    expect(group.realtime).toBe(false);
    const now = new Date('2026-06-01T00:00:00Z');
    const row = { manual: false, attributedAt: new Date('2026-05-10T10:00:00Z') };
    const moments = memberTierMoments(group, row, refs.joinedAt, now, zone, { levelWillExpire: 7, tierAnniversary: 3 });
    expect(moments).toEqual({
      reviewAt: new Date('2026-12-31T23:00:00.000Z'),
      // The January 1 moment only upgrades: no LevelWillExpire before it.
      reviewReminderAt: null,
      tierReminderAt: new Date('2027-05-07T10:00:00.000Z'),
      monthAnniversaryAt: new Date('2026-06-10T10:00:00.000Z'),
    });
    const later = memberTierMoments(group, row, refs.joinedAt, new Date('2027-01-01T00:00:00Z'), zone, { levelWillExpire: 7, tierAnniversary: 0 });
    expect(later.reviewAt).toEqual(new Date('2027-02-28T11:00:00.000Z'));
    expect(later.reviewReminderAt).toEqual(new Date('2027-02-21T11:00:00.000Z'));
    expect(later.tierReminderAt).toBeNull();
    expect(memberTierMoments(group, { ...row, manual: true }, refs.joinedAt, now, zone, { levelWillExpire: 7, tierAnniversary: 3 }).reviewAt).toBeNull();
  });

  it('sends no LevelWillExpire before a yearly upgrade when downgrades are real time (they have already acted)', () => {
    const group = applyGroupInput(null, { name: 'Medal', upgradeStrategy: { kind: 'fixed_date', month: 1, day: 1 },
      downgradeStrategy: { kind: 'realtime' } }, { id: 'g', programId: 'p' }, new Date());
    const row = { manual: false, attributedAt: new Date('2026-05-10T10:00:00Z') };
    const moments = memberTierMoments(group, row, refs.joinedAt, new Date('2026-06-01T00:00:00Z'), zone, { levelWillExpire: 7, tierAnniversary: 0 });
    expect(moments.reviewAt).toEqual(new Date('2026-12-31T23:00:00.000Z'));
    expect(moments.reviewReminderAt).toBeNull();
  });
});
