import { Type } from 'typebox';
import { dateTime, nullableDateTime, text } from '../schema-kit.ts';
import { balanceDefinition, loyaltyProgram, membership, reminder, sourceEventId, transaction } from './attributes.ts';
import { defineBrevoEvent } from './define.ts';

const documentedBalanceDefinition = {
  id: 'a74cxx1d-4a96-4xx3-804e-dc3xxd9axxeb',
  metadata: { key: 'value' },
  name: 'Event',
  unit: 'points',
};

export const balanceEvents = [
  defineBrevoEvent({
    name: 'balance_minimum_value_reached',
    group: 'balance',
    description:
      "A completed change brings a balance to or under its balance definition's minimum value (e.g. a cashback balance running out). `value` is the balance value after the change.",
    attributes: {
      balance_definition: balanceDefinition,
      loyalty_program: loyaltyProgram,
      source_event_id: sourceEventId,
      value: Type.Number({ description: 'Balance value' }),
    },
    documentedExample: {
      balance_definition: documentedBalanceDefinition,
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP club' },
      source_event_id: 'test',
      value: 123,
    },
  }),
  defineBrevoEvent({
    name: 'balance_maximum_value_reached',
    group: 'balance',
    description:
      "A credit hits the balance definition's maximum value: refused when the limit is strict, cut down to the limit when it is partial. `value` is the balance value.",
    attributes: {
      balance_definition: balanceDefinition,
      loyalty_program: loyaltyProgram,
      source_event_id: sourceEventId,
      value: Type.Number({ description: 'Balance value' }),
    },
    documentedExample: {
      balance_definition: documentedBalanceDefinition,
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      source_event_id: 'test',
      value: 123,
    },
  }),
  defineBrevoEvent({
    name: 'balance_transaction_unauthorized',
    group: 'balance',
    description:
      'A balance transaction is refused (maximum balance, velocity limit, insufficient balance, rule), or a pending transaction is cancelled or times out. `reason` says why.',
    attributes: {
      balance_definition: balanceDefinition,
      loyalty_program: loyaltyProgram,
      reason: text('Rejection reason'),
      transaction,
    },
    documentedExample: {
      balance_definition: documentedBalanceDefinition,
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      reason: 'Amount falls above maximum balance amount limit',
      transaction: { type: 'credit', value: 123 },
    },
  }),
  defineBrevoEvent({
    name: 'balance_expiration_reminder',
    group: 'balance',
    description:
      'N days before a lot of a balance expires (N comes from the expiring-notification settings). `amount` is what remains of that lot and `expires_at` when it expires.',
    attributes: {
      amount: Type.Number({ description: 'Balance amount remaining' }),
      balance_definition: balanceDefinition,
      created_at: dateTime('Time and date the balance reminder was created'),
      expires_at: dateTime('Time and date when balance expires'),
      loyalty_program: loyaltyProgram,
      membership,
      reminder,
    },
    documentedExample: {
      amount: 123,
      balance_definition: documentedBalanceDefinition,
      created_at: '2025-06-10T07:09:01.696Z',
      expires_at: '2025-06-10T07:09:01.696Z',
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      membership: { card_id: 'ABCDE00045SS125', created_at: '2025-06-10T07:09:01.696Z' },
      reminder: { unit: 'week', value: 123 },
    },
  }),
  defineBrevoEvent({
    name: 'balance_value_expired',
    group: 'balance',
    description:
      'A lot of a balance expires, automatically at its expiry date or by an admin. `value` is the balance value after the expired units are removed.',
    attributes: {
      balance_definition: balanceDefinition,
      loyalty_program: loyaltyProgram,
      value: Type.Number({ description: 'Balance value' }),
    },
    documentedExample: {
      balance_definition: documentedBalanceDefinition,
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      value: 123,
    },
  }),
  defineBrevoEvent({
    name: 'balance_value_updated',
    group: 'balance',
    description: [
      'A balance transaction is completed and the balance changes: units spent (spend or reward purchase), added or deducted by an admin, by a campaign or by an import, a transfer cancelled, pending units activated, units blocked or unblocked, units moved between two members (one event for the sender, one for the receiver).',
      '`initial_value` is the balance value before the transaction and `value` after it; `created` is true when the transaction created the balance. `expiration_date` is the earliest expiry among the remaining lots, null when none of them expires.',
    ].join(' '),
    attributes: {
      balance_definition: balanceDefinition,
      created: Type.Boolean({ description: 'Tells if balance was created or updated' }),
      expiration_date: nullableDateTime('Balance expiration date (null when nothing expires)'),
      initial_value: Type.Number({ description: 'Initial balance value' }),
      loyalty_program: loyaltyProgram,
      source_event_id: sourceEventId,
      transaction,
      value: Type.Number({ description: 'Balance value' }),
    },
    documentedExample: {
      balance_definition: documentedBalanceDefinition,
      created: true,
      expiration_date: '2025-06-10T07:09:01.696Z',
      initial_value: 123,
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      source_event_id: 'test',
      transaction: { type: 'credit', value: 123 },
      value: 123,
    },
  }),
] as const;
