import type { Rounding } from './definition.ts';

/** Rounds an amount (integer minor units) to a multiple of the rule's step; exact integer arithmetic. */
export function roundAmount(amount: number, rounding: Rounding): number {
  if (rounding.mode === 'none' || rounding.step <= 1) return amount;
  const { step } = rounding;
  const below = amount - (amount % step);
  if (below === amount) return amount;
  if (rounding.mode === 'down') return below;
  if (rounding.mode === 'up') return below + step;
  return amount - below >= step - (amount - below) ? below + step : below;
}
