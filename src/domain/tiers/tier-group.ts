/**
 * Tier groups and tiers as the rest of the product sees them. A group ("Medal") orders its tiers
 * (Bronze < Silver < Gold) by `order`; its default tier is the entry tier every new member gets
 * and the floor nobody falls below.
 */

/** When a group's tiers move up or down: at once, or at a yearly moment. */
export type Strategy =
  | { kind: 'realtime' }
  | { kind: 'membership_anniversary' }
  | { kind: 'tier_anniversary' }
  | { kind: 'fixed_date'; month: number; day: number }
  | { kind: 'none' };

export type StrategyKind = Strategy['kind'];

/** What a downgrade does to a balance, applied through the ledger with its events. */
export interface DowngradeReset {
  balanceDefinitionId: string;
  /** deductAll: the balance's available units are deducted (reason `deduct`). */
  mode: 'deductAll';
}

export interface TierGroup {
  id: string;
  programId: string;
  name: string;
  upgradeStrategy: Strategy;
  downgradeStrategy: Strategy;
  downgradeResets: DowngradeReset[];
  /** Days before a tier anniversary that tier_anniversary_reminder fires; null: the program's setting. */
  anniversaryReminderDaysBefore: number | null;
  realtime: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Access conditions: a minimum of one measure of the member's standing. */
export type Condition =
  | { kind: 'availableUnits'; balanceDefinitionId: string; minimum: number }
  | { kind: 'earnedUnits'; balanceDefinitionId: string; minimum: number; since: string | null }
  | { kind: 'totalSpend'; minimum: number; since: string | null }
  | { kind: 'monthsSinceJoining'; minimum: number };

export interface Tier {
  id: string;
  programId: string;
  groupId: string;
  name: string;
  order: number;
  isDefault: boolean;
  conditions: Condition[];
  /** all: every condition must hold; any: one is enough. */
  conditionsMatch: 'all' | 'any';
  rewardsOnEntry: string[];
  metadata: Record<string, string | number | boolean | null>;
  createdAt: Date;
  updatedAt: Date;
}

/** A member's tier in a group. */
export interface MemberTier {
  programId: string;
  memberId: string;
  groupId: string;
  tierId: string;
  manual: boolean;
  attributedAt: Date;
  reviewAt: Date | null;
  reviewReminderAt: Date | null;
  tierReminderAt: Date | null;
  monthAnniversaryAt: Date | null;
  updatedAt: Date;
}

export const isRealtime = (g: Pick<TierGroup, 'upgradeStrategy' | 'downgradeStrategy'>) =>
  g.upgradeStrategy.kind === 'realtime' || g.downgradeStrategy.kind === 'realtime';
