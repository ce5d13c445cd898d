import type { Queryable } from '../db.ts';

/**
 * Records units a return took back beyond what a balance held (its definition allows a negative
 * balance). The ledger check counts them: available = free units of active lots − debt.
 */
export async function addBalanceDebt(tx: Queryable, balanceId: string, units: number): Promise<void> {
  await tx.query(`UPDATE balances SET debt = debt + $2 WHERE id = $1`, [balanceId, units]);
}
