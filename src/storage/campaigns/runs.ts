import type { Queryable } from '../db.ts';

/** One effect of a run as applied (or not): what it did, the ledger transaction behind units. */
export interface EffectOutcome {
  type: string;
  status: 'applied' | 'failed';
  reason: string | null;
  balanceDefinitionId: string | null;
  amount: number | null;
  ledgerTransactionId: string | null;
  customAttribute: { key: string; value: string | number | boolean | null } | null;
  rewardId: string | null;
  /** The voucher a grant_reward effect issued. */
  issuedRewardId: string | null;
  eventId: string | null;
}

export interface CampaignRunRow {
  id: string;
  programId: string;
  campaignId: string;
  memberId: string;
  triggerKind: string;
  purchaseTransactionId: string | null;
  sourceEventId: string | null;
  effects: EffectOutcome[];
  appliedAt: Date;
}

export async function insertRun(tx: Queryable, r: CampaignRunRow): Promise<void> {
  await tx.query(
    `INSERT INTO campaign_runs (id, program_id, campaign_id, member_id, trigger_kind, purchase_transaction_id, source_event_id,
       effects, applied_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [r.id, r.programId, r.campaignId, r.memberId, r.triggerKind, r.purchaseTransactionId, r.sourceEventId,
      JSON.stringify(r.effects), r.appliedAt]);
}

/**
 * How many times a campaign applied since a time (or ever), for one member or for everyone. A run
 * whose every effect failed (e.g. refused by the ledger) gave nothing and does not count.
 */
export async function countRuns(tx: Queryable, campaignId: string, memberId: string | null, since: Date | null): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM campaign_runs
     WHERE campaign_id = $1 AND ($2::uuid IS NULL OR member_id = $2) AND ($3::timestamptz IS NULL OR applied_at >= $3)
       AND effects @> '[{"status": "applied"}]'`,
    [campaignId, memberId, since]);
  return row.n;
}

/** The runs a purchase caused, in the order they applied. */
export async function runsOfPurchase(tx: Queryable, programId: string, purchaseId: string) {
  return tx.query<CampaignRunRow>(
    `SELECT id, program_id AS "programId", campaign_id AS "campaignId", member_id AS "memberId", trigger_kind AS "triggerKind",
       purchase_transaction_id AS "purchaseTransactionId", source_event_id AS "sourceEventId", effects, applied_at AS "appliedAt"
     FROM campaign_runs WHERE program_id = $1 AND purchase_transaction_id = $2 ORDER BY id`,
    [programId, purchaseId]);
}
