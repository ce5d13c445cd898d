import { Type } from 'typebox';
import { dateTime, text } from '../schema-kit.ts';
import { loyaltyProgram, subscription } from './attributes.ts';
import { defineBrevoEvent } from './define.ts';

const memberId = Type.Number({
  description: 'Member ID: contact id of the member added to or removed from the subscription',
});

export const subscriptionEvents = [
  defineBrevoEvent({
    name: 'subscription_created',
    group: 'subscription',
    description: 'A contact is enrolled in the program (at registration or later): the subscription that owns the balances is created.',
    attributes: {
      created_at: dateTime('Time and date the subscription was created'),
      loyalty_program: loyaltyProgram,
      loyalty_subscription_id: text('Loyalty subscription ID'),
    },
    documentedExample: {
      created_at: '2025-06-10T07:09:01.696Z',
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      loyalty_subscription_id: '2ba00576-a5a9-400d-8b34-1e21xxd3xxd3',
    },
  }),
  defineBrevoEvent({
    name: 'subscription_revoked',
    group: 'subscription',
    description: 'A member is unenrolled: their subscription is revoked.',
    attributes: {
      loyalty_program: loyaltyProgram,
      loyalty_subscription_id: text('Loyalty subscription ID'),
    },
    documentedExample: {
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      loyalty_subscription_id: '2ba00576-a5a9-400d-8b34-1e21xxd3xxd3',
    },
  }),
  defineBrevoEvent({
    name: 'subscription_member_added',
    group: 'subscription',
    description:
      "A member is added to a subscription shared by several members; one event per added member. The envelope's contact is the subscription's owner and `member_id` the added member's contact id.",
    attributes: {
      loyalty_program: loyaltyProgram,
      member_id: memberId,
    },
    documentedExample: {
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      member_id: 123,
    },
  }),
  defineBrevoEvent({
    name: 'subscription_member_removed',
    group: 'subscription',
    description:
      "A member is removed from a shared subscription; one event per removed member. The envelope's contact is the subscription's owner and `member_id` the removed member's contact id.",
    attributes: {
      loyalty_program: loyaltyProgram,
      member_id: memberId,
    },
    documentedExample: {
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      member_id: 123,
    },
  }),
  defineBrevoEvent({
    name: 'subscription_month_anniversary',
    group: 'subscription',
    description: "Monthly anniversary of the enrolment, in the program's timezone.",
    attributes: {
      loyalty_program: loyaltyProgram,
      subscription,
    },
    documentedExample: {
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      subscription: {
        created_at: '2025-06-10T07:09:01.696Z',
        loyalty_subscription_id: '2ba00576-a5a9-400d-8b34-1e21xxd3xxd3',
      },
    },
  }),
  defineBrevoEvent({
    name: 'subscription_year_anniversary',
    group: 'subscription',
    description: "Yearly anniversary of the enrolment, in the program's timezone.",
    attributes: {
      loyalty_program: loyaltyProgram,
      subscription,
    },
    documentedExample: {
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP club' },
      subscription: {
        created_at: '2025-06-10T07:09:01.696Z',
        loyalty_subscription_id: '2ba00576-a5a9-400d-8b34-1e21xxd3xxd3',
      },
    },
  }),
] as const;
