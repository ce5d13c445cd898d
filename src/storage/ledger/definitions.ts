import type { BalanceDefinition } from '../../domain/ledger/definition.ts';
import type { Queryable } from '../db.ts';
import type { PageRequest } from '../pagination.ts';

export const definitionColumns = `d.id, d.program_id AS "programId", d.name, d.unit, d.decimals, d.metadata, d.minimum, d.maximum,
  d.maximum_strategy AS "maximumStrategy", d.credit_cap AS "creditCap", d.debit_cap AS "debitCap",
  d.credit_rounding AS "creditRounding", d.debit_rounding AS "debitRounding", d.expiry, d.pending_days AS "pendingDays",
  d.velocity_limits AS "velocityLimits", d.reminder_days_before AS "reminderDaysBefore", d.is_default AS "isDefault",
  d.allow_negative_balance AS "allowNegativeBalance",
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

const values = (d: BalanceDefinition) => [
  d.id, d.programId, d.name, d.unit, d.decimals, JSON.stringify(d.metadata), d.minimum, d.maximum, d.maximumStrategy,
  d.creditCap, d.debitCap, JSON.stringify(d.creditRounding), JSON.stringify(d.debitRounding), JSON.stringify(d.expiry),
  d.pendingDays, JSON.stringify(d.velocityLimits), d.reminderDaysBefore, d.isDefault, d.createdAt, d.updatedAt, d.allowNegativeBalance,
];

export async function insertDefinition(tx: Queryable, d: BalanceDefinition): Promise<void> {
  await tx.query(
    `INSERT INTO balance_definitions (id, program_id, name, unit, decimals, metadata, minimum, maximum, maximum_strategy,
       credit_cap, debit_cap, credit_rounding, debit_rounding, expiry, pending_days, velocity_limits, reminder_days_before,
       is_default, created_at, updated_at, allow_negative_balance)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
    values(d),
  );
}

export async function saveDefinition(tx: Queryable, d: BalanceDefinition): Promise<void> {
  await tx.query(
    `UPDATE balance_definitions SET name = $3, unit = $4, decimals = $5, metadata = $6, minimum = $7, maximum = $8,
       maximum_strategy = $9, credit_cap = $10, debit_cap = $11, credit_rounding = $12, debit_rounding = $13, expiry = $14,
       pending_days = $15, velocity_limits = $16, reminder_days_before = $17, is_default = $18, updated_at = $20,
       allow_negative_balance = $21
     WHERE program_id = $2 AND id = $1 AND created_at = $19`,
    values(d),
  );
}

export async function findDefinition(tx: Queryable, programId: string, id: string) {
  const rows = await tx.query<BalanceDefinition>(`SELECT ${definitionColumns} FROM balance_definitions d WHERE d.program_id = $1 AND d.id = $2`, [programId, id]);
  return rows[0];
}

export async function findDefaultDefinition(tx: Queryable, programId: string) {
  const rows = await tx.query<BalanceDefinition>(`SELECT ${definitionColumns} FROM balance_definitions d WHERE d.program_id = $1 AND d.is_default`, [programId]);
  return rows[0];
}

export async function listDefinitions(tx: Queryable, programId: string, page: PageRequest) {
  return tx.query<BalanceDefinition>(
    `SELECT ${definitionColumns} FROM balance_definitions d WHERE d.program_id = $1 AND ($2::uuid IS NULL OR d.id > $2) ORDER BY d.id LIMIT $3`,
    [programId, page.after, page.limit + 1],
  );
}

export async function clearDefaultDefinition(tx: Queryable, programId: string): Promise<void> {
  await tx.query(`UPDATE balance_definitions SET is_default = false WHERE program_id = $1 AND is_default`, [programId]);
}
