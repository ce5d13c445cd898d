import type { Campaign } from '../../domain/campaigns/campaign.ts';
import type { Queryable } from '../db.ts';
import type { PageRequest } from '../pagination.ts';

const columns = `c.id, c.program_id AS "programId", c.name, c.active, c.starts_at AS "startsAt", c.ends_at AS "endsAt",
  c.position, c.target, c.trigger, c.condition, c.effects, c.limits, c.stop_further AS "stopFurther",
  c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

const values = (c: Campaign) => [
  c.id, c.programId, c.name, c.active, c.startsAt, c.endsAt, c.position, JSON.stringify(c.target), JSON.stringify(c.trigger),
  c.condition, JSON.stringify(c.effects), JSON.stringify(c.limits), c.stopFurther, c.createdAt, c.updatedAt,
];

export async function insertCampaign(tx: Queryable, c: Campaign): Promise<void> {
  await tx.query(
    `INSERT INTO campaigns (id, program_id, name, active, starts_at, ends_at, position, target, trigger, condition, effects,
       limits, stop_further, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    values(c));
}

export async function saveCampaign(tx: Queryable, c: Campaign): Promise<void> {
  await tx.query(
    `UPDATE campaigns SET name = $3, active = $4, starts_at = $5, ends_at = $6, position = $7, target = $8, trigger = $9,
       condition = $10, effects = $11, limits = $12, stop_further = $13, updated_at = $15
     WHERE id = $1 AND program_id = $2 AND created_at = $14`,
    values(c));
}

export async function findCampaign(tx: Queryable, programId: string, id: string, forUpdate = false) {
  const rows = await tx.query<Campaign>(
    `SELECT ${columns} FROM campaigns c WHERE c.program_id = $1 AND c.id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`, [programId, id]);
  return rows[0];
}

export async function listCampaigns(tx: Queryable, programId: string, page: PageRequest) {
  return tx.query<Campaign>(
    `SELECT ${columns} FROM campaigns c WHERE c.program_id = $1 AND ($2::uuid IS NULL OR c.id > $2) ORDER BY c.id LIMIT $3`,
    [programId, page.after, page.limit + 1]);
}

/** The active campaigns of a trigger kind whose window holds `at`, in the order they run. */
export async function campaignsToRun(tx: Queryable, programId: string, triggerKind: string, at: Date) {
  return tx.query<Campaign>(
    `SELECT ${columns} FROM campaigns c
     WHERE c.program_id = $1 AND c.active AND c.trigger->>'kind' = $2
       AND (c.starts_at IS NULL OR c.starts_at <= $3) AND (c.ends_at IS NULL OR c.ends_at > $3)
     ORDER BY c.position, c.id`,
    [programId, triggerKind, at]);
}
