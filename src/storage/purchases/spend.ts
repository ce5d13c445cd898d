import type { Queryable } from '../db.ts';

/**
 * What a member spent: the value of their sales less that of their returns, in minor units,
 * since a time (inclusive) or ever. Documents still anonymous count for nobody.
 */
export async function memberSpend(tx: Queryable, programId: string, memberId: string, since: Date | null): Promise<bigint> {
  const [row] = await tx.query<{ total: string }>(
    `SELECT coalesce(sum(CASE WHEN document_type = 'sell' THEN gross_total ELSE -gross_total END), 0)::text AS total
     FROM purchase_transactions
     WHERE program_id = $1 AND member_id = $2 AND ($3::timestamptz IS NULL OR purchased_at >= $3)`,
    [programId, memberId, since]);
  return BigInt(row.total);
}
