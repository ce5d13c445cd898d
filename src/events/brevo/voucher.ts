import { dateTime, nullableDateTime, text } from '../schema-kit.ts';
import { loyaltyProgram, membership, offer, reminder, sourceEventId } from './attributes.ts';
import { defineBrevoEvent } from './define.ts';

const documentedOffer = {
  id: '29xx7df8-3cf3-4x5c-8e74-8cd00085000e',
  name: 'RewardName',
  public_description: 'offerdescription',
  public_image: 'imageoffer',
  public_name: 'offernamepublic',
};
const documentedProgram = { id: '27xxdd7a-af67-0020-ba65-19d60000a26e', name: 'VIP Club' };

export const voucherEvents = [
  defineBrevoEvent({
    name: 'voucher_created',
    group: 'voucher',
    description:
      'A reward is issued to the member as a voucher: bought from the reward catalog, assigned manually or granted by a campaign. `expires_at` is null when the voucher does not expire.',
    attributes: {
      code: text('Voucher code'),
      expires_at: nullableDateTime('Time and date when voucher expires (null when it does not expire)'),
      id: text('Voucher ID'),
      loyalty_program: loyaltyProgram,
      offer,
      source_event_id: sourceEventId,
      valid_from: dateTime('Time and date from which the voucher becomes valid'),
    },
    documentedExample: {
      code: '6c',
      expires_at: '2025-06-10T07:09:01.696Z',
      id: '3c000afd-fb2e-4275-9007-29178f00fd5a',
      loyalty_program: documentedProgram,
      offer: documentedOffer,
      source_event_id: 'test',
      valid_from: '2025-06-10T07:09:01.696Z',
    },
  }),
  defineBrevoEvent({
    name: 'voucher_attribution_failed',
    group: 'voucher',
    description: 'A reward could not be issued to the member (out of stock, limits, rules); `rejection_error` says why.',
    attributes: {
      loyalty_program: loyaltyProgram,
      rejection_error: text('Voucher attribution error'),
      voucher_offer_id: text('Voucher offer ID'),
    },
    documentedExample: {
      loyalty_program: documentedProgram,
      rejection_error: 'test',
      voucher_offer_id: 'test',
    },
  }),
  defineBrevoEvent({
    name: 'voucher_redeemed',
    group: 'voucher',
    description: 'The member redeemed (used) a voucher.',
    attributes: {
      code: text('Voucher code'),
      id: text('Voucher ID'),
      loyalty_program: loyaltyProgram,
      offer,
    },
    documentedExample: {
      code: '10OFF-120006789',
      id: 'fb0000b4-38fd-4006-9xc5-f7800420617e',
      loyalty_program: documentedProgram,
      offer: documentedOffer,
    },
  }),
  defineBrevoEvent({
    name: 'voucher_redeem_unauthorized',
    group: 'voucher',
    description: 'A voucher redemption is refused (not valid yet, expired, already used, revoked, rule); `reason` says why.',
    attributes: {
      code: text('Voucher code'),
      loyalty_program: loyaltyProgram,
      offer,
      reason: text('Unauthorization reason'),
    },
    documentedExample: {
      code: '10OFF-120006789',
      loyalty_program: documentedProgram,
      offer: documentedOffer,
      reason: 'Amount falls above maximum balance amount limit',
    },
  }),
  defineBrevoEvent({
    name: 'voucher_revoked',
    group: 'voucher',
    description: 'A voucher is revoked (cancelled) before it was used.',
    attributes: {
      code: text('Voucher code'),
      id: text('Voucher ID'),
      loyalty_program: loyaltyProgram,
      offer,
      source_event_id: sourceEventId,
    },
    documentedExample: {
      code: 'test',
      id: 'test',
      loyalty_program: documentedProgram,
      offer: documentedOffer,
      source_event_id: 'test',
    },
  }),
  defineBrevoEvent({
    name: 'voucher_expired',
    group: 'voucher',
    description: 'A voucher reached its expiry date without being used.',
    attributes: {
      code: text('Voucher code'),
      id: text('Voucher ID'),
      loyalty_program: loyaltyProgram,
      offer,
    },
    documentedExample: {
      code: '6c',
      id: 'test',
      loyalty_program: documentedProgram,
      offer: documentedOffer,
    },
  }),
  defineBrevoEvent({
    name: 'voucher_expiration_reminder',
    group: 'voucher',
    description:
      'N days before a voucher expires (N comes from the expiring-notification settings); `expired_at` is when it will expire.',
    attributes: {
      code: text('Voucher code'),
      expired_at: dateTime('Time and date of voucher expiry'),
      id: text('Voucher ID'),
      loyalty_program: loyaltyProgram,
      membership,
      offer,
      reminder,
      valid_from: dateTime('Time and date voucher is valid from'),
    },
    documentedExample: {
      code: '10OFF-120006789',
      expired_at: '2025-06-10T07:09:01.696Z',
      id: 'fb0000b4-38fd-4006-9xc5-f7800420617e',
      loyalty_program: documentedProgram,
      membership: { card_id: 'ABCDE00045SS125', created_at: '2025-06-10T07:09:01.696Z' },
      offer: documentedOffer,
      reminder: { unit: 'week', value: 123 },
      valid_from: '2025-06-10T07:09:01.696Z',
    },
  }),
] as const;
