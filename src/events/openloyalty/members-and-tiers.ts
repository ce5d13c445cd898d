import { Type } from 'typebox';
import { dateTime, integer, nullableText, nullableUuid, oneOf, text, uuid } from '../schema-kit.ts';
import { defineOpenLoyaltyEvent } from './define.ts';

const activationCode = {
  activationCode: text('The activation code; the business sends it to the member'),
  activationCodeExpiresAt: dateTime('When the activation code stops working'),
  channel: oneOf(['email', 'sms'], 'Where the member expects the code'),
} as const;

const tierSet = {
  tierSetId: uuid('Tier set (tier group) id'),
  tierSetName: text('Tier set (tier group) name'),
} as const;

const exampleTierSet = { tierSetId: '01974f11-7a8b-7c9d-8e0f-1a2b3c4d5e6f', tierSetName: 'Medal' };

export const membersAndTiersEvents = [
  defineOpenLoyaltyEvent({
    name: 'CustomerRegistered',
    group: 'members_and_tiers',
    firesWhen: 'Sent when a member is created.',
    fields: {
      active: Type.Boolean({ description: 'False when the member was registered without activation' }),
    },
    exampleFields: { active: true },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerWasRegisteredWithoutActivation',
    group: 'members_and_tiers',
    firesWhen:
      'Sent when a member is registered without activation (the payload carries the activation code that the integrator sends to the member).',
    fields: { ...activationCode },
    exampleFields: { activationCode: '482913', activationCodeExpiresAt: '2025-06-11T07:09:01.696Z', channel: 'email' },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerUpdated',
    group: 'members_and_tiers',
    firesWhen:
      'Sent when a member profile is updated in the admin panel or via API. `customer` shows the profile after the update.',
    fields: {
      changedFields: Type.Array(Type.String(), {
        minItems: 1,
        description: 'Names of the profile fields that changed (custom attributes as `customAttributes.<name>`)',
      }),
    },
    exampleFields: { changedFields: ['firstName', 'customAttributes.PREFERRED_STORE'] },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerRequestedSendActivationCode',
    group: 'members_and_tiers',
    firesWhen: 'Sent when a member requests an activation code; the business sends the code in the payload to the member.',
    fields: { ...activationCode },
    exampleFields: { activationCode: '730154', activationCodeExpiresAt: '2025-06-11T07:09:01.696Z', channel: 'sms' },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerRequestedPasswordReset',
    group: 'members_and_tiers',
    firesWhen: 'Sent when an active member requests a password reset; the business sends the token in the payload to the member.',
    fields: {
      resetToken: text('Single-use password reset token'),
      resetTokenExpiresAt: dateTime('When the token stops working'),
    },
    exampleFields: { resetToken: 'b7Qx2mP9sKc4TzW1', resetTokenExpiresAt: '2025-06-10T08:09:01.696Z' },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerPhoneNumberWasChanged',
    group: 'members_and_tiers',
    firesWhen: 'Sent when a logged-in member updates their phone number in their profile.',
    fields: {
      oldPhone: nullableText('Phone number before the change; null when there was none'),
      newPhone: nullableText('Phone number after the change; null when it was removed'),
    },
    exampleFields: { oldPhone: '+33600000000', newPhone: '+33612345678' },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerLevelChanged',
    group: 'members_and_tiers',
    firesWhen:
      "Sent when a member's tier changes. For the default tier of a new member, `previousLevelId` is null and `direction` is `up`.",
    triggers: [
      'Manual tier change (upgrade or downgrade)',
      'Tier threshold is reached',
      'A new member is created and the default tier is assigned',
    ],
    fields: {
      ...tierSet,
      levelId: uuid('New tier (level) id'),
      levelName: text('New tier name'),
      previousLevelId: nullableUuid('Previous tier id; null when the member had no tier in the set'),
      previousLevelName: nullableText('Previous tier name; null when the member had no tier in the set'),
      manual: Type.Boolean({ description: 'True when an admin changed the tier by hand' }),
      direction: oneOf(['up', 'down'], 'Upgrade or downgrade'),
    },
    exampleFields: {
      ...exampleTierSet,
      levelId: '01974f11-8b9c-7d0e-8f1a-2b3c4d5e6f70',
      levelName: 'Gold',
      previousLevelId: '01974f11-8b9c-7d0e-8f1a-2b3c4d5e6f71',
      previousLevelName: 'Silver',
      manual: false,
      direction: 'up',
    },
  }),
  defineOpenLoyaltyEvent({
    name: 'LevelWillExpire',
    group: 'members_and_tiers',
    firesWhen: 'Sent X days before tier recalculation; X comes from the expiring-notifications settings.',
    fields: {
      ...tierSet,
      levelId: uuid('Current tier (level) id'),
      levelName: text('Current tier name'),
      recalculatesAt: dateTime('When the tier will be recalculated'),
      daysBefore: integer('X: how many days before the recalculation this notice is sent', { minimum: 0 }),
    },
    exampleFields: {
      ...exampleTierSet,
      levelId: '01974f11-8b9c-7d0e-8f1a-2b3c4d5e6f70',
      levelName: 'Gold',
      recalculatesAt: '2025-06-17T00:00:00.000Z',
      daysBefore: 7,
    },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerEmailWasChanged',
    group: 'members_and_tiers',
    firesWhen: 'Sent when a logged-in member updates their email in their profile.',
    fields: {
      oldEmail: nullableText('E-mail address before the change; null when there was none'),
      newEmail: nullableText('E-mail address after the change; null when it was removed'),
    },
    exampleFields: { oldEmail: 'jane@old-domain.example', newEmail: 'jane.doe@example.com' },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerDeactivated',
    group: 'members_and_tiers',
    firesWhen: 'Sent when a member is deactivated. `customer` is the member as they were when deactivated.',
    fields: {},
    exampleFields: {},
  }),
] as const;
