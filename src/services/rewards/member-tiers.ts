import type { Queryable } from '../../storage/db.ts';
import { currentTiers } from '../tiers/recalculate.ts';

/** The ids of the member's current tiers (one per tier group they hold), for reward targeting. */
export async function memberTierIds(tx: Queryable, programId: string, memberId: string): Promise<string[]> {
  return (await currentTiers(tx, programId, memberId)).map((t) => t.tierId);
}
