import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import type { Queryable } from '../db.ts';
import { memberColumns, type MemberRow } from '../members.ts';
import { memberSubscriptionSql, type SubscriptionRow } from '../subscriptions.ts';
import { balanceColumns, type BalanceRow } from './balances.ts';
import { definitionColumns } from './definitions.ts';

/** A row that came back through row_to_json: its timestamps are ISO strings, made Dates again here. */
function revive<T>(row: Record<string, unknown> | null, dateKeys: readonly (keyof T & string)[]): T | undefined {
  if (!row) return undefined;
  for (const key of dateKeys) if (typeof row[key] === 'string') row[key] = new Date(row[key] as string);
  return row as T;
}

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
  const definitionSql = `SELECT ${definitionColumns} FROM balance_definitions d
               WHERE d.program_id = $1 AND CASE WHEN $3::uuid IS NULL THEN d.is_default ELSE d.id = $3 END`;
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
  return {
    member: revive<MemberRow>(row.member, ['lockedUntil', 'activatedAt', 'deactivatedAt', 'createdAt', 'updatedAt']),
    subscription: revive<SubscriptionRow & { role: 'owner' | 'member' }>(row.subscription, ['createdAt', 'revokedAt']),
    definition: revive<BalanceDefinition>(row.definition, ['createdAt', 'updatedAt']),
    balance: revive<BalanceRow>(row.balance, ['createdAt', 'updatedAt']),
  };
}
