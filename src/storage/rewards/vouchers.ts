import type { Voucher, VoucherStatus } from '../../domain/rewards/voucher.ts';
import type { Queryable } from '../db.ts';
import type { PageRequest } from '../pagination.ts';

const columns = `v.id, v.program_id AS "programId", v.reward_id AS "rewardId", v.member_id AS "memberId", v.code, v.status,
  v.source, v.source_event_id AS "sourceEventId", v.campaign_id AS "campaignId", v.cost,
  v.balance_definition_id AS "balanceDefinitionId", v.ledger_transaction_id AS "ledgerTransactionId", v.value,
  v.valid_from AS "validFrom", v.expires_at AS "expiresAt",
  v.reminder_days_before AS "reminderDaysBefore", v.redemption_status AS "redemptionStatus",
  v.redemption_value AS "redemptionValue", v.redemption_started_at AS "redemptionStartedAt", v.redeemed_at AS "redeemedAt",
  v.comment, v.created_at AS "createdAt", v.updated_at AS "updatedAt"`;

export async function insertVoucher(tx: Queryable, v: Voucher): Promise<void> {
  await tx.query(
    `INSERT INTO vouchers (id, program_id, reward_id, member_id, code, status, source, source_event_id, campaign_id, cost,
       balance_definition_id, ledger_transaction_id, value, valid_from, expires_at, reminder_days_before, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [v.id, v.programId, v.rewardId, v.memberId, v.code, v.status, v.source, v.sourceEventId, v.campaignId, v.cost,
      v.balanceDefinitionId, v.ledgerTransactionId, v.value, v.validFrom, v.expiresAt, v.reminderDaysBefore, v.createdAt, v.updatedAt],
  );
}

/** Writes what changes over a voucher's life: status, redemption, comment. */
export async function saveVoucherState(tx: Queryable, v: Voucher): Promise<void> {
  await tx.query(
    `UPDATE vouchers SET status = $3, redemption_status = $4, redemption_value = $5, redemption_started_at = $6,
       redeemed_at = $7, comment = $8, updated_at = $9
     WHERE program_id = $1 AND id = $2`,
    [v.programId, v.id, v.status, v.redemptionStatus, v.redemptionValue, v.redemptionStartedAt, v.redeemedAt, v.comment, v.updatedAt],
  );
}

export async function findVoucher(tx: Queryable, programId: string, id: string, forUpdate = false): Promise<Voucher | undefined> {
  const rows = await tx.query<Voucher>(
    `SELECT ${columns} FROM vouchers v WHERE v.program_id = $1 AND v.id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`, [programId, id]);
  return rows[0];
}

export async function findVoucherByCode(tx: Queryable, programId: string, code: string, forUpdate = false): Promise<Voucher | undefined> {
  const rows = await tx.query<Voucher>(
    `SELECT ${columns} FROM vouchers v WHERE v.program_id = $1 AND v.code = $2 ${forUpdate ? 'FOR UPDATE' : ''}`, [programId, code]);
  return rows[0];
}

/** A member's vouchers of a reward that count against its limits: all of them, and those issued since `since`. */
export async function memberHoldings(
  tx: Queryable, rewardId: string, memberId: string, since: Date | null,
): Promise<{ member: number; memberInPeriod: number }> {
  const [row] = await tx.query<{ member: number; memberInPeriod: number }>(
    `SELECT count(*)::int AS member, (count(*) FILTER (WHERE $3::timestamptz IS NOT NULL AND created_at >= $3))::int AS "memberInPeriod"
     FROM vouchers WHERE reward_id = $1 AND member_id = $2 AND status <> 'cancelled'`,
    [rewardId, memberId, since],
  );
  return row;
}

export interface VoucherFilter {
  memberId?: string;
  rewardId?: string;
  status?: VoucherStatus;
}

export async function listVouchers(tx: Queryable, programId: string, filter: VoucherFilter, page: PageRequest): Promise<Voucher[]> {
  return tx.query<Voucher>(
    `SELECT ${columns} FROM vouchers v
     WHERE v.program_id = $1 AND ($2::uuid IS NULL OR v.id > $2)
       AND ($4::uuid IS NULL OR v.member_id = $4) AND ($5::uuid IS NULL OR v.reward_id = $5) AND ($6::text IS NULL OR v.status = $6)
     ORDER BY v.id LIMIT $3`,
    [programId, page.after, page.limit + 1, filter.memberId ?? null, filter.rewardId ?? null, filter.status ?? null],
  );
}

/** Vouchers due to become usable by `now`, locked, skipping those another transaction holds. */
export async function dueActivations(tx: Queryable, programId: string, now: Date, limit: number): Promise<Voucher[]> {
  return tx.query<Voucher>(
    `SELECT ${columns} FROM vouchers v WHERE v.program_id = $1 AND v.status = 'pending' AND v.valid_from <= $2
     ORDER BY v.valid_from, v.id LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [programId, now, limit],
  );
}

/** Unused vouchers whose expiry is due by `now`, locked, skipping those another transaction holds. */
export async function dueExpiries(tx: Queryable, programId: string, now: Date, limit: number): Promise<Voucher[]> {
  return tx.query<Voucher>(
    `SELECT ${columns} FROM vouchers v WHERE v.program_id = $1 AND v.status IN ('pending', 'active') AND v.expires_at <= $2
     ORDER BY v.expires_at, v.id LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [programId, now, limit],
  );
}

/**
 * Unused vouchers expiring at exactly one moment and reminded `daysBefore` days before it (a
 * reminder job's), after the last one handled.
 */
export async function expiringAt(
  tx: Queryable, programId: string, at: Date, daysBefore: number, after: string | null, limit: number,
): Promise<Voucher[]> {
  return tx.query<Voucher>(
    `SELECT ${columns} FROM vouchers v WHERE v.program_id = $1 AND v.status IN ('pending', 'active') AND v.expires_at = $2
       AND v.reminder_days_before = $5 AND ($3::uuid IS NULL OR v.id > $3)
     ORDER BY v.id LIMIT $4`,
    [programId, at, after, limit, daysBefore],
  );
}
