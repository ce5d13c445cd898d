import type { Tier, TierGroup } from '../../domain/tiers/tier-group.ts';
import type { Queryable } from '../db.ts';
import type { PageRequest } from '../pagination.ts';

const groupColumns = `g.id, g.program_id AS "programId", g.name, g.upgrade_strategy AS "upgradeStrategy",
  g.downgrade_strategy AS "downgradeStrategy", g.downgrade_resets AS "downgradeResets",
  g.anniversary_reminder_days_before AS "anniversaryReminderDaysBefore", g.realtime,
  g.created_at AS "createdAt", g.updated_at AS "updatedAt"`;

const tierColumns = `t.id, t.program_id AS "programId", t.group_id AS "groupId", t.name, t.position AS "order",
  t.is_default AS "isDefault", t.conditions, t.conditions_match AS "conditionsMatch", t.rewards_on_entry AS "rewardsOnEntry",
  t.metadata, t.created_at AS "createdAt", t.updated_at AS "updatedAt"`;

export async function insertGroup(tx: Queryable, g: TierGroup): Promise<void> {
  await tx.query(
    `INSERT INTO tier_groups (id, program_id, name, upgrade_strategy, downgrade_strategy, downgrade_resets,
       anniversary_reminder_days_before, realtime, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [g.id, g.programId, g.name, JSON.stringify(g.upgradeStrategy), JSON.stringify(g.downgradeStrategy),
      JSON.stringify(g.downgradeResets), g.anniversaryReminderDaysBefore, g.realtime, g.createdAt, g.updatedAt],
  );
}

export async function saveGroup(tx: Queryable, g: TierGroup): Promise<void> {
  await tx.query(
    `UPDATE tier_groups SET name = $3, upgrade_strategy = $4, downgrade_strategy = $5, downgrade_resets = $6,
       anniversary_reminder_days_before = $7, realtime = $8, updated_at = $9
     WHERE program_id = $1 AND id = $2`,
    [g.programId, g.id, g.name, JSON.stringify(g.upgradeStrategy), JSON.stringify(g.downgradeStrategy),
      JSON.stringify(g.downgradeResets), g.anniversaryReminderDaysBefore, g.realtime, g.updatedAt],
  );
}

export async function findGroup(tx: Queryable, programId: string, id: string, forUpdate = false) {
  const rows = await tx.query<TierGroup>(
    `SELECT ${groupColumns} FROM tier_groups g WHERE g.program_id = $1 AND g.id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`, [programId, id]);
  return rows[0];
}

export async function listGroups(tx: Queryable, programId: string, page: PageRequest) {
  return tx.query<TierGroup>(
    `SELECT ${groupColumns} FROM tier_groups g WHERE g.program_id = $1 AND ($2::uuid IS NULL OR g.id > $2) ORDER BY g.id LIMIT $3`,
    [programId, page.after, page.limit + 1],
  );
}

/** Every group of a program, or only those a balance change recalculates at once. */
export async function programGroups(tx: Queryable, programId: string, onlyRealtime = false) {
  return tx.query<TierGroup>(
    `SELECT ${groupColumns} FROM tier_groups g WHERE g.program_id = $1 ${onlyRealtime ? 'AND g.realtime' : ''} ORDER BY g.id`, [programId]);
}

export async function insertTier(tx: Queryable, t: Tier): Promise<void> {
  await tx.query(
    `INSERT INTO tiers (id, program_id, group_id, name, position, is_default, conditions, conditions_match, rewards_on_entry,
       metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [t.id, t.programId, t.groupId, t.name, t.order, t.isDefault, JSON.stringify(t.conditions), t.conditionsMatch,
      JSON.stringify(t.rewardsOnEntry), JSON.stringify(t.metadata), t.createdAt, t.updatedAt],
  );
}

export async function saveTier(tx: Queryable, t: Tier): Promise<void> {
  await tx.query(
    `UPDATE tiers SET name = $3, position = $4, is_default = $5, conditions = $6, conditions_match = $7,
       rewards_on_entry = $8, metadata = $9, updated_at = $10
     WHERE program_id = $1 AND id = $2`,
    [t.programId, t.id, t.name, t.order, t.isDefault, JSON.stringify(t.conditions), t.conditionsMatch,
      JSON.stringify(t.rewardsOnEntry), JSON.stringify(t.metadata), t.updatedAt],
  );
}

/** The tiers of the given groups of a program, lowest first. */
export async function tiersOfGroups(tx: Queryable, programId: string, groupIds: string[]) {
  if (groupIds.length === 0) return [];
  return tx.query<Tier>(
    `SELECT ${tierColumns} FROM tiers t WHERE t.program_id = $1 AND t.group_id = ANY($2::uuid[]) ORDER BY t.group_id, t.position`,
    [programId, groupIds],
  );
}

export async function findTier(tx: Queryable, programId: string, id: string) {
  const rows = await tx.query<Tier>(`SELECT ${tierColumns} FROM tiers t WHERE t.program_id = $1 AND t.id = $2`, [programId, id]);
  return rows[0];
}
