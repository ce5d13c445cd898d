import { loyaltyProgram, membership, reminder } from './attributes.ts';
import { defineBrevoEvent } from './define.ts';

export const membershipEvents = [
  defineBrevoEvent({
    name: 'membership_anniversary_reminder',
    group: 'membership',
    description: 'N days before the yearly anniversary of the membership; `reminder` says how long before.',
    attributes: {
      loyalty_program: loyaltyProgram,
      membership,
      reminder,
    },
    documentedExample: {
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      membership: { card_id: 'ABCDE00045SS125', created_at: '2025-06-10T07:09:01.696Z' },
      reminder: { unit: 'week', value: 123 },
    },
  }),
] as const;
