/** A lot as a debit sees it. */
export interface SpendableLot {
  id: string;
  remaining: number;
  blocked: number;
  expiresAt: Date | null;
  createdAt: Date;
}

export interface Allocation {
  lotId: string;
  amount: number;
}

/**
 * Soonest-expiring lots first, lots that never expire last, then oldest first: a member's units
 * are used before they would be lost.
 */
export function consumptionOrder(a: SpendableLot, b: SpendableLot): number {
  if (a.expiresAt && b.expiresAt && a.expiresAt.getTime() !== b.expiresAt.getTime()) {
    return a.expiresAt.getTime() - b.expiresAt.getTime();
  }
  if (a.expiresAt && !b.expiresAt) return -1;
  if (!a.expiresAt && b.expiresAt) return 1;
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Takes `amount` from the free (unblocked) units of the lots, in consumption order.
 * Returns null when the lots do not hold enough.
 */
export function allocate(lots: SpendableLot[], amount: number): Allocation[] | null {
  const allocations: Allocation[] = [];
  let left = amount;
  for (const lot of [...lots].sort(consumptionOrder)) {
    if (left === 0) break;
    const free = lot.remaining - lot.blocked;
    if (free <= 0) continue;
    const take = Math.min(free, left);
    allocations.push({ lotId: lot.id, amount: take });
    left -= take;
  }
  return left === 0 ? allocations : null;
}
