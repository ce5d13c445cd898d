import type { Queryable } from '../../storage/db.ts';

/**
 * The ids of the member's current tiers, for reward targeting; null while they cannot be read.
 * Tiers are built on another branch: once merged, this returns
 * `(await currentTiers(tx, programId, memberId)).map((t) => t.tierId)` (src/services/tiers/recalculate.ts).
 * Until then a reward targeted at tiers is refused with a clear reason, never let through.
 */
export async function memberTierIds(_tx: Queryable, _programId: string, _memberId: string): Promise<string[] | null> {
  return null;
}
