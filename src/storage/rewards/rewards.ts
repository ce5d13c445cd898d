import type { Period, Reward } from '../../domain/rewards/reward.ts';
import type { Queryable } from '../db.ts';
import type { PageRequest } from '../pagination.ts';

const columns = `r.id, r.program_id AS "programId", r.name, r.public_name AS "publicName", r.description,
  r.image_url AS "imageUrl", r.type, r.coupon_value AS "couponValue", r.value_unit AS "valueUnit",
  r.conversion_units AS "conversionUnits", r.conversion_value AS "conversionValue", r.cost,
  r.balance_definition_id AS "balanceDefinitionId", r.available_from AS "availableFrom", r.available_until AS "availableUntil",
  r.visible, r.active, r.targeting, r.total_limit AS "totalLimit", r.per_member_limit AS "perMemberLimit",
  r.period_limit AS "periodLimit", r.code_source AS "codeSource", r.code_pattern AS "codePattern", r.validity,
  r.activation_delay_days AS "activationDelayDays", r.issued, r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

/** jsonb keeps the fixed date of a validity as a string. */
function fromRow(row: Reward): Reward {
  const v = row.validity as unknown as { days?: number; until?: string } | null;
  return { ...row, validity: v === null ? null : v.until !== undefined ? { until: new Date(v.until) } : { days: v.days! } };
}

const values = (r: Reward) => [
  r.id, r.programId, r.name, r.publicName, r.description, r.imageUrl, r.type, r.couponValue, r.valueUnit, r.conversionUnits,
  r.conversionValue, r.cost, r.balanceDefinitionId, r.availableFrom, r.availableUntil, r.visible, r.active,
  JSON.stringify(r.targeting), r.totalLimit, r.perMemberLimit, r.periodLimit === null ? null : JSON.stringify(r.periodLimit),
  r.codeSource, r.codePattern, r.validity === null ? null : JSON.stringify(r.validity), r.activationDelayDays,
  r.createdAt, r.updatedAt,
];

export async function insertReward(tx: Queryable, r: Reward): Promise<void> {
  await tx.query(
    `INSERT INTO rewards (id, program_id, name, public_name, description, image_url, type, coupon_value, value_unit,
       conversion_units, conversion_value, cost, balance_definition_id, available_from, available_until, visible, active,
       targeting, total_limit, per_member_limit, period_limit, code_source, code_pattern, validity, activation_delay_days,
       created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)`,
    values(r),
  );
}

/** Saves what an update may change (not the issued count, which only issuing and cancelling move). */
export async function saveReward(tx: Queryable, r: Reward): Promise<void> {
  await tx.query(
    `UPDATE rewards SET name = $3, public_name = $4, description = $5, image_url = $6, type = $7, coupon_value = $8,
       value_unit = $9, conversion_units = $10, conversion_value = $11, cost = $12, balance_definition_id = $13,
       available_from = $14, available_until = $15, visible = $16, active = $17, targeting = $18, total_limit = $19,
       per_member_limit = $20, period_limit = $21, code_source = $22, code_pattern = $23, validity = $24,
       activation_delay_days = $25, updated_at = $27
     WHERE program_id = $2 AND id = $1 AND created_at = $26`,
    values(r),
  );
}

export async function findReward(tx: Queryable, programId: string, id: string, forUpdate = false): Promise<Reward | undefined> {
  const rows = await tx.query<Reward>(
    `SELECT ${columns} FROM rewards r WHERE r.program_id = $1 AND r.id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`, [programId, id]);
  return rows[0] && fromRow(rows[0]);
}

export async function findRewards(tx: Queryable, programId: string, ids: string[]): Promise<Reward[]> {
  const rows = await tx.query<Reward>(`SELECT ${columns} FROM rewards r WHERE r.program_id = $1 AND r.id = ANY($2::uuid[])`, [programId, ids]);
  return rows.map(fromRow);
}

export interface RewardFilter {
  active?: boolean;
  visible?: boolean;
  type?: string;
}

export async function listRewards(tx: Queryable, programId: string, filter: RewardFilter, page: PageRequest): Promise<Reward[]> {
  const rows = await tx.query<Reward>(
    `SELECT ${columns} FROM rewards r
     WHERE r.program_id = $1 AND ($2::uuid IS NULL OR r.id > $2)
       AND ($4::boolean IS NULL OR r.active = $4) AND ($5::boolean IS NULL OR r.visible = $5) AND ($6::text IS NULL OR r.type = $6)
     ORDER BY r.id LIMIT $3`,
    [programId, page.after, page.limit + 1, filter.active ?? null, filter.visible ?? null, filter.type ?? null],
  );
  return rows.map(fromRow);
}

/**
 * The member catalog: what the member could get now. Active, visible rewards inside their window
 * that target the member (everyone, a custom attribute the member has with that value, or one of
 * the member's tiers), and that issuing would not refuse for this member: a fixed validity date
 * not reached by the time a voucher issued now becomes usable, a free code when the codes come
 * from a pool, and no limit reached — in all, the member's, or the member's since `periodStarts`
 * (each calendar period's start, as issuing counts them). Each check is an index probe per
 * reward listed.
 */
export async function listCatalog(
  tx: Queryable, programId: string, member: { id: string; customAttributes: Record<string, unknown> }, tierIds: string[],
  now: Date, timezone: string, periodStarts: Record<Period, Date>, page: PageRequest,
): Promise<Reward[]> {
  const rows = await tx.query<Reward>(
    `SELECT ${columns} FROM rewards r
     WHERE r.program_id = $1 AND ($2::uuid IS NULL OR r.id > $2) AND r.active AND r.visible
       AND (r.available_from IS NULL OR r.available_from <= $4) AND (r.available_until IS NULL OR r.available_until > $4)
       AND (r.targeting->>'kind' = 'everyone'
         OR (r.targeting->>'kind' = 'attribute' AND $5::jsonb -> (r.targeting->>'attribute') = r.targeting->'value')
         OR (r.targeting->>'kind' = 'tiers'
             AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(r.targeting->'tierIds') t WHERE t = ANY($6::text[]))))
       AND (r.validity->>'until' IS NULL
         OR (r.validity->>'until')::timestamptz > CASE WHEN r.activation_delay_days = 0 THEN $4::timestamptz
              ELSE ($4::timestamptz AT TIME ZONE $8::text + make_interval(days => r.activation_delay_days)) AT TIME ZONE $8::text END)
       AND (r.code_source <> 'pool' OR EXISTS (SELECT 1 FROM reward_codes c WHERE c.reward_id = r.id AND c.voucher_id IS NULL))
       AND (r.total_limit IS NULL OR r.issued < r.total_limit)
       AND ((r.per_member_limit IS NULL AND r.period_limit IS NULL) OR NOT EXISTS (
         SELECT 1 FROM (
           SELECT count(*) AS held,
                  count(*) FILTER (WHERE v.created_at >= ($9::jsonb ->> (r.period_limit->>'period'))::timestamptz) AS held_in_period
           FROM vouchers v WHERE v.reward_id = r.id AND v.member_id = $7 AND v.status <> 'cancelled') h
         WHERE h.held >= r.per_member_limit OR h.held_in_period >= (r.period_limit->>'count')::int))
     ORDER BY r.id LIMIT $3`,
    [programId, page.after, page.limit + 1, now, JSON.stringify(member.customAttributes), tierIds, member.id, timezone,
      JSON.stringify(periodStarts)],
  );
  return rows.map(fromRow);
}

export async function addIssued(tx: Queryable, rewardId: string, delta: number): Promise<void> {
  await tx.query(`UPDATE rewards SET issued = issued + $2 WHERE id = $1`, [rewardId, delta]);
}
