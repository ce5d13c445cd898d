import { Type } from 'typebox';
import { closedObject, dateTime, nullableText } from '../schema-kit.ts';
import { loyaltyProgram, membership, reminder, sourceEventId, tier, tierGroup } from './attributes.ts';
import { defineBrevoEvent } from './define.ts';

const documentedTier = { id: '67000bb5-f193-4xxb-bx58-d08dc000c12f', name: 'Gold' };
const documentedTierGroup = { id: '2exxx6ee-6x9f-400d-a85d-a312xx1a445b', name: 'Medal' };

export const tierEvents = [
  defineBrevoEvent({
    name: 'tier_association_updated',
    group: 'tier',
    description:
      "The member's tier in a tier group changes: threshold reached, recalculation or manual change. `upgraded` is true for an upgrade and false for a downgrade; `from_tier` fields are null when the member had no tier in the group before.",
    attributes: {
      from_tier: closedObject({
        id: nullableText('Previous tier ID'),
        name: nullableText('Previous tier name'),
      }),
      loyalty_program: loyaltyProgram,
      source_event_id: sourceEventId,
      tier_group: tierGroup,
      to_tier: closedObject({
        id: Type.String({ description: 'New tier ID' }),
        name: Type.String({ description: 'New tier name' }),
      }),
      upgraded: Type.Boolean({ description: 'Status of update: true for an upgrade, false for a downgrade' }),
    },
    documentedExample: {
      from_tier: { id: 'Initial tier identifier', name: 'Initial tier name' },
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      source_event_id: 'test',
      tier_group: documentedTierGroup,
      to_tier: { id: 'Final tier identifier', name: 'Final tier name' },
      upgraded: true,
    },
  }),
  defineBrevoEvent({
    name: 'tier_anniversary_reminder',
    group: 'tier',
    description:
      "N days before the anniversary of the member's tier association (configured on the tier group), e.g. to invite the member to keep their tier.",
    attributes: {
      attributed_at: dateTime('Time and date of tier attribution'),
      loyalty_program: loyaltyProgram,
      membership,
      reminder,
      tier,
      tier_group: tierGroup,
    },
    documentedExample: {
      attributed_at: '2025-06-10T07:09:01.696Z',
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      membership: { card_id: 'ABCDE00045SS125', created_at: '2025-06-10T07:09:01.696Z' },
      reminder: { unit: 'week', value: 123 },
      tier: documentedTier,
      tier_group: documentedTierGroup,
    },
  }),
  defineBrevoEvent({
    name: 'tier_association_month_anniversary',
    group: 'tier',
    description: "Monthly anniversary of the member's current tier association, in the program's timezone.",
    attributes: {
      created_at: dateTime('Time and date the tier association was created'),
      loyalty_program: loyaltyProgram,
      tier,
      tier_group: tierGroup,
    },
    documentedExample: {
      created_at: '2025-06-10T07:09:01.696Z',
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      tier: documentedTier,
      tier_group: documentedTierGroup,
    },
  }),
  defineBrevoEvent({
    name: 'tier_association_year_anniversary',
    group: 'tier',
    description: "Yearly anniversary of the member's current tier association, in the program's timezone.",
    attributes: {
      created_at: dateTime('Time and date the tier association was created'),
      loyalty_program: loyaltyProgram,
      tier,
      tier_group: tierGroup,
    },
    documentedExample: {
      created_at: '2025-06-10T07:09:01.696Z',
      loyalty_program: { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' },
      tier: documentedTier,
      tier_group: documentedTierGroup,
    },
  }),
] as const;
