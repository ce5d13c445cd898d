import type { BalanceDefinition, BalanceFigures } from '../../domain/ledger/definition.ts';
import { reachesMinimum } from '../../domain/ledger/limits.ts';
import { refusals, type RefusalKind } from '../../domain/ledger/refusals.ts';
import type { MemberSnapshot } from '../../events/context.ts';
import { emitEvents, type EmitContext, type EventToEmit } from '../../outbox/emit.ts';
import type { Queryable } from '../../storage/db.ts';

export type UnitChangeReason =
  | 'spend' | 'add' | 'deduct' | 'campaign' | 'import' | 'cancel' | 'activate' | 'expire' | 'block' | 'unblock'
  | 'transfer_in' | 'transfer_out';

const walletType = (d: BalanceDefinition) => ({ id: d.id, name: d.name, unit: d.unit });
const balanceDefinition = (d: BalanceDefinition) => ({ id: d.id, metadata: d.metadata, name: d.name, unit: d.unit });

export interface BalanceChange {
  member: MemberSnapshot;
  definition: BalanceDefinition;
  before: BalanceFigures;
  after: BalanceFigures;
  /** True when this is the balance's first change of value (see firstValueChange). */
  created: boolean;
  reason: UnitChangeReason;
  /** The ledger transaction behind the change (null for an expiry sweep). */
  transactionId: string | null;
  /** Brevo's transaction.type and .value: what moved. */
  transaction: { type: 'credit' | 'debit'; value: number };
  /** Earliest expiry among the balance's remaining lots, after the change. */
  earliestExpiry: Date | null;
  sourceEventId: string | null;
  maximumReached?: boolean;
}

/**
 * The events of one completed change of a balance, in both vocabularies:
 * AvailablePointsAmountChanged when the available units moved, WalletBalanceUpdated always,
 * balance_value_updated when the balance value (available units) moved — a credit still pending
 * changes no value: its balance_value_updated comes when the units are activated, so a receiver
 * adding up `transaction.value` counts them once —, balance_minimum_value_reached when it
 * crossed the minimum, balance_maximum_value_reached when a credit hit the maximum.
 */
export function balanceChangeEvents(emit: EmitContext, change: BalanceChange): EventToEmit[] {
  const { definition, before, after, member } = change;
  const amountChange = after.available - before.available;
  const events: EventToEmit[] = [];
  if (amountChange !== 0) {
    events.push({ type: 'AvailablePointsAmountChanged', member, fields: {
      walletType: walletType(definition),
      amountChange,
      availableAmount: after.available,
      reason: change.reason,
      transferId: change.transactionId,
    } });
  }
  events.push({ type: 'WalletBalanceUpdated', member, fields: {
    walletType: walletType(definition),
    amountChange,
    reason: change.reason,
    transferId: change.transactionId,
    activeUnits: after.available,
    pendingUnits: after.pending,
    blockedUnits: after.blocked,
  } });
  if (amountChange !== 0) events.push({ type: 'balance_value_updated', member, fields: {
    balance_definition: balanceDefinition(definition),
    created: change.created,
    expiration_date: change.earliestExpiry?.toISOString() ?? null,
    initial_value: before.available,
    loyalty_program: emit.program,
    source_event_id: change.sourceEventId,
    transaction: change.transaction,
    value: after.available,
  } });
  events.push(...minimumReached(emit, member, definition, before, after, change.sourceEventId));
  if (change.maximumReached) events.push(maximumReached(emit, member, definition, after.available, change.sourceEventId));
  return events;
}

export async function emitBalanceChange(tx: Queryable, emit: EmitContext, change: BalanceChange): Promise<void> {
  await emitEvents(tx, emit, balanceChangeEvents(emit, change));
}

/** balance_minimum_value_reached when a change brought the balance from above the minimum to or under it. */
function minimumReached(
  emit: EmitContext, member: MemberSnapshot, definition: BalanceDefinition,
  before: BalanceFigures, after: BalanceFigures, sourceEventId: string | null,
): EventToEmit[] {
  if (!reachesMinimum(definition, before.available, after.available)) return [];
  return [{ type: 'balance_minimum_value_reached', member, fields: {
    balance_definition: balanceDefinition(definition),
    loyalty_program: emit.program,
    source_event_id: sourceEventId,
    value: after.available,
  } }];
}

function maximumReached(
  emit: EmitContext, member: MemberSnapshot, definition: BalanceDefinition, value: number, sourceEventId: string | null,
): EventToEmit {
  return { type: 'balance_maximum_value_reached', member, fields: {
    balance_definition: balanceDefinition(definition),
    loyalty_program: emit.program,
    source_event_id: sourceEventId,
    value,
  } };
}

/** balance_transaction_unauthorized for a refused, cancelled or timed-out transaction (and balance_maximum_value_reached for the maximum). */
export function refusalEvents(
  emit: EmitContext,
  member: MemberSnapshot,
  definition: BalanceDefinition,
  refusal: RefusalKind,
  transaction: { type: 'credit' | 'debit'; value: number },
  balanceValue: number,
): EventToEmit[] {
  const events: EventToEmit[] = [{ type: 'balance_transaction_unauthorized', member, fields: {
    balance_definition: balanceDefinition(definition),
    loyalty_program: emit.program,
    reason: refusals[refusal].reason,
    transaction,
  } }];
  if (refusal === 'maximum') events.push(maximumReached(emit, member, definition, balanceValue, null));
  return events;
}

/** Records refusalEvents (same arguments) in the caller's transaction. */
export async function emitRefusal(tx: Queryable, ...refusal: Parameters<typeof refusalEvents>): Promise<void> {
  await emitEvents(tx, refusal[0], refusalEvents(...refusal));
}

/**
 * A lot (or several) expired: balance_value_expired, AvailablePointsAmountChanged,
 * WalletBalanceUpdated — and balance_minimum_value_reached when the expiry brought the balance
 * to or under the minimum, like any other change.
 */
export function expiryEvents(
  emit: EmitContext, member: MemberSnapshot, definition: BalanceDefinition, before: BalanceFigures, after: BalanceFigures,
): EventToEmit[] {
  return [
    { type: 'balance_value_expired', member, fields: {
      balance_definition: balanceDefinition(definition),
      loyalty_program: emit.program,
      value: after.available,
    } },
    { type: 'AvailablePointsAmountChanged', member, fields: {
      walletType: walletType(definition),
      amountChange: after.available - before.available,
      availableAmount: after.available,
      reason: 'expire',
      transferId: null,
    } },
    { type: 'WalletBalanceUpdated', member, fields: {
      walletType: walletType(definition),
      amountChange: after.available - before.available,
      reason: 'expire',
      transferId: null,
      activeUnits: after.available,
      pendingUnits: after.pending,
      blockedUnits: after.blocked,
    } },
    ...minimumReached(emit, member, definition, before, after, null),
  ];
}

export async function emitExpiry(
  tx: Queryable, emit: EmitContext, member: MemberSnapshot, definition: BalanceDefinition, before: BalanceFigures, after: BalanceFigures,
): Promise<void> {
  await emitEvents(tx, emit, expiryEvents(emit, member, definition, before, after));
}

/** N days before units expire: PointsWillExpire and balance_expiration_reminder. */
export function expiryReminderEvents(
  emit: EmitContext, member: MemberSnapshot, definition: BalanceDefinition,
  reminder: { amount: number; expiresAt: Date; daysBefore: number; cardId: string | null; membershipCreatedAt: Date; now: Date },
): EventToEmit[] {
  return [
    { type: 'PointsWillExpire', member, fields: {
      walletType: walletType(definition),
      amount: reminder.amount,
      expiresAt: reminder.expiresAt.toISOString(),
      daysBefore: reminder.daysBefore,
    } },
    { type: 'balance_expiration_reminder', member, fields: {
      amount: reminder.amount,
      balance_definition: balanceDefinition(definition),
      created_at: reminder.now.toISOString(),
      expires_at: reminder.expiresAt.toISOString(),
      loyalty_program: emit.program,
      membership: { card_id: reminder.cardId, created_at: reminder.membershipCreatedAt.toISOString() },
      reminder: { unit: 'day', value: reminder.daysBefore },
    } },
  ];
}
