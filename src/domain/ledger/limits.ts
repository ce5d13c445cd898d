import type { BalanceDefinition, BalanceFigures } from './definition.ts';
import type { RefusalKind } from './refusals.ts';
import { roundAmount } from './rounding.ts';

export type CreditDecision =
  | { ok: true; amount: number; maximumReached: boolean }
  | { ok: false; refusal: RefusalKind; maximumReached: boolean };

/**
 * Whether a credit may complete, and for how much: rounded by the definition's credit rounding,
 * within the per-operation cap, and within the maximum balance (refused when strict, cut to
 * what fits when partial). The maximum counts available and pending units.
 */
export function decideCredit(definition: BalanceDefinition, figures: BalanceFigures, requested: number): CreditDecision {
  const amount = roundAmount(requested, definition.creditRounding);
  if (amount <= 0) return { ok: false, refusal: 'roundedToZero', maximumReached: false };
  if (definition.creditCap !== null && amount > definition.creditCap) return { ok: false, refusal: 'creditCap', maximumReached: false };
  if (definition.maximum === null) return { ok: true, amount, maximumReached: false };
  const room = definition.maximum - (figures.available + figures.pending + figures.blocked);
  if (amount <= room) return { ok: true, amount, maximumReached: amount === room };
  if (definition.maximumStrategy === 'strict' || room <= 0) return { ok: false, refusal: 'maximum', maximumReached: true };
  return { ok: true, amount: room, maximumReached: true };
}

export type DebitDecision = { ok: true; amount: number } | { ok: false; refusal: RefusalKind };

/** Whether a debit may complete: rounded, within the cap, and covered by available units. */
export function decideDebit(definition: BalanceDefinition, figures: BalanceFigures, requested: number): DebitDecision {
  const amount = roundAmount(requested, definition.debitRounding);
  if (amount <= 0) return { ok: false, refusal: 'roundedToZero' };
  if (definition.debitCap !== null && amount > definition.debitCap) return { ok: false, refusal: 'debitCap' };
  if (amount > figures.available) return { ok: false, refusal: 'insufficient' };
  return { ok: true, amount };
}

/** A completed change that brings the balance to or below the minimum fires balance_minimum_value_reached. */
export function reachesMinimum(definition: BalanceDefinition, before: number, after: number): boolean {
  return definition.minimum !== null && after <= definition.minimum && before > definition.minimum;
}

export type MovementDecision = { ok: true; amount: number; maximumReached: boolean } | { ok: false; refusal: RefusalKind };

/**
 * Whether a credit or debit may complete, velocity limits aside (they need the balance's
 * history): the member must be active, then the credit or debit rules above apply.
 */
export function decideMovement(
  memberActive: boolean, definition: BalanceDefinition, figures: BalanceFigures, kind: 'credit' | 'debit', requested: number,
): MovementDecision {
  if (!memberActive) return { ok: false, refusal: 'memberInactive' };
  if (kind === 'credit') {
    const decision = decideCredit(definition, figures, requested);
    return decision.ok ? decision : { ok: false, refusal: decision.refusal };
  }
  const decision = decideDebit(definition, figures, requested);
  return decision.ok ? { ...decision, maximumReached: false } : decision;
}
