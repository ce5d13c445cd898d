import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import type { Queryable } from '../db.ts';
import { memberColumns, type MemberRow } from '../members.ts';
import { memberSubscriptionSql, memberSubscriptionSqlFor, type SubscriptionRow } from '../subscriptions.ts';
import { balanceColumns, type BalanceRow } from './balances.ts';
import { definitionColumns } from './definitions.ts';

/** A row that came back through row_to_json: its timestamps are ISO strings, made Dates again here. */
export function revive<T>(row: Record<string, unknown> | null, dateKeys: readonly (keyof T & string)[]): T | undefined {
  if (!row) return undefined;
  for (const key of dateKeys) if (typeof row[key] === 'string') row[key] = new Date(row[key] as string);
  return row as T;
}

/** The definition of program $1 that `definition` (SQL naming an id) names; the program's default when it is NULL. */
const definitionSqlFor = (definition: string) => `SELECT ${definitionColumns} FROM balance_definitions d
  WHERE d.program_id = $1 AND CASE WHEN ${definition} IS NULL THEN d.is_default ELSE d.id = ${definition} END`;

const reviveTarget = (row: Record<'member' | 'subscription' | 'definition' | 'balance', Record<string, unknown> | null>) => ({
  member: revive<MemberRow>(row.member, ['lockedUntil', 'activatedAt', 'deactivatedAt', 'createdAt', 'updatedAt']),
  subscription: revive<SubscriptionRow & { role: 'owner' | 'member' }>(row.subscription, ['createdAt', 'revokedAt']),
  definition: revive<BalanceDefinition>(row.definition, ['createdAt', 'updatedAt']),
  balance: revive<BalanceRow>(row.balance, ['createdAt', 'updatedAt']),
});

/**
 * A member, the active subscription they belong to and a balance definition (the program's
 * default when `definitionId` is null), read in one round trip: what every balance operation
 * on a member starts with. Each is undefined when it does not exist. With `lockBalance`, also
 * their balance in that definition, locked (FOR UPDATE) as lockBalance locks it — undefined
 * when it does not exist yet. Only the balance row is locked: the other rows are read as the
 * statement began, as separate reads would have read them.
 */
export async function findMemberBalanceTarget(
  tx: Queryable, programId: string, memberId: string, definitionId: string | null, options: { lockBalance?: boolean } = {},
) {
  const definitionSql = definitionSqlFor('$3::uuid');
  const [row] = await tx.query<Record<'member' | 'subscription' | 'definition' | 'balance', Record<string, unknown> | null>>(
    `SELECT (SELECT row_to_json(m) FROM (SELECT ${memberColumns} FROM members m WHERE m.program_id = $1 AND m.id = $2) m) AS member,
            (SELECT row_to_json(s) FROM (${memberSubscriptionSql}) s) AS subscription,
            (SELECT row_to_json(d) FROM (${definitionSql}) d) AS definition,
            ${options.lockBalance ? `(SELECT row_to_json(b) FROM (
               SELECT ${balanceColumns} FROM balances b
               WHERE b.subscription_id = (SELECT s.id FROM (${memberSubscriptionSql}) s) AND b.definition_id = (SELECT d.id FROM (${definitionSql}) d)
               FOR UPDATE) b)` : 'NULL'} AS balance`,
    [programId, memberId, definitionId],
  );
  return reviveTarget(row);
}

/**
 * findMemberBalanceTarget with lockBalance for several targets at once, in one statement; the
 * answers in the order of `targets`. The existing balances are locked in the ledger's lock order
 * (subscription, then definition: see lockOrder), so this cannot deadlock with a transfer or a
 * sweep; a balance that does not exist yet is undefined (the caller takes another way).
 */
export async function lockMemberBalances(
  tx: Queryable, programId: string, targets: readonly { memberId: string; definitionId: string | null }[],
) {
  const rows = await tx.query<Record<'member' | 'subscription' | 'definition' | 'balance', Record<string, unknown> | null>>(
    `WITH wanted AS (SELECT * FROM unnest($2::uuid[], $3::uuid[]) WITH ORDINALITY AS w (member_id, definition_id, n)),
     resolved AS (
       SELECT w.n, row_to_json(m) AS member, row_to_json(s) AS subscription, row_to_json(d) AS definition,
              s.id AS subscription_id, d.id AS definition_id
       FROM wanted w
       LEFT JOIN LATERAL (SELECT ${memberColumns} FROM members m WHERE m.program_id = $1 AND m.id = w.member_id) m ON true
       LEFT JOIN LATERAL (${memberSubscriptionSqlFor('w.member_id')}) s ON true
       LEFT JOIN LATERAL (${definitionSqlFor('w.definition_id')}) d ON true
     ),
     locked AS (
       SELECT ${balanceColumns} FROM balances b
       WHERE (b.subscription_id, b.definition_id) IN (SELECT r.subscription_id, r.definition_id FROM resolved r)
       ORDER BY b.subscription_id, b.definition_id
       FOR UPDATE OF b
     )
     SELECT r.member, r.subscription, r.definition, row_to_json(l) AS balance
     FROM resolved r LEFT JOIN locked l ON l."subscriptionId" = r.subscription_id AND l."definitionId" = r.definition_id
     ORDER BY r.n`,
    [programId, targets.map((t) => t.memberId), targets.map((t) => t.definitionId)],
  );
  return rows.map(reviveTarget);
}
