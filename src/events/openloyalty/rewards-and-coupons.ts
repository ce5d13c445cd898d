import { Type } from 'typebox';
import { dateTime, integer, nullable, nullableDateTime, nullableUuid, oneOf } from '../schema-kit.ts';
import { defineOpenLoyaltyEvent } from './define.ts';
import { issuedReward, issuedRewardStatuses, walletType } from './subjects.ts';

const exampleReward = {
  issuedRewardId: '01975a1c-6b7c-7d8e-9f0a-1b2c3d4e5f60',
  rewardId: '01974f12-1a2b-7c3d-8e4f-5a6b7c8d9e0f',
  rewardName: '10 € voucher',
  couponCode: '10OFF-120006789',
};

export const rewardsAndCouponsEvents = [
  defineOpenLoyaltyEvent({
    name: 'RewardRedemptionStatusChanged',
    group: 'rewards_and_coupons',
    firesWhen: 'Sent when a redeemed reward changes status: activated, used, cancelled, expired or returned.',
    fields: {
      ...issuedReward,
      previousStatus: oneOf(issuedRewardStatuses, 'Status before the change'),
      status: oneOf(issuedRewardStatuses, 'Status after the change'),
    },
    exampleFields: { ...exampleReward, previousStatus: 'active', status: 'used' },
  }),
  defineOpenLoyaltyEvent({
    name: 'CustomerBoughtReward',
    group: 'rewards_and_coupons',
    firesWhen: 'Sent when a member receives a reward.',
    triggers: ['Reward is assigned manually', 'Reward is granted by a campaign', 'Reward is purchased from the reward catalog'],
    fields: {
      ...issuedReward,
      acquisition: oneOf(['purchase', 'manual', 'campaign'], 'How the member got the reward'),
      campaignId: nullableUuid('Campaign that granted the reward; null otherwise'),
      costInUnits: integer('Units paid for the reward, in minor units (0 when it was not bought)', { minimum: 0 }),
      walletType: nullable(walletType, { description: 'Wallet type the cost was paid from; null when nothing was paid' }),
      status: oneOf(issuedRewardStatuses, 'Status of the issued reward'),
      validFrom: dateTime('From when the reward can be used'),
      expiresAt: nullableDateTime('When the reward expires; null when it does not'),
    },
    exampleFields: {
      ...exampleReward,
      acquisition: 'purchase',
      campaignId: null,
      costInUnits: 1000,
      walletType: { id: '01974f0e-41c2-7a3b-9e4d-1f2a3b4c5d6e', name: 'Points', unit: 'points' },
      status: 'active',
      validFrom: '2025-06-10T07:09:01.696Z',
      expiresAt: '2025-09-10T07:09:01.696Z',
    },
  }),
  defineOpenLoyaltyEvent({
    name: 'CouponWillExpire',
    group: 'rewards_and_coupons',
    firesWhen: 'Sent X days before a reward coupon expires; X comes from the expiring-notifications settings.',
    fields: {
      ...issuedReward,
      expiresAt: dateTime('When the coupon expires'),
      daysBefore: Type.Integer({ minimum: 0, description: 'X: how many days before the expiry this notice is sent' }),
    },
    exampleFields: { ...exampleReward, expiresAt: '2025-06-17T07:09:01.696Z', daysBefore: 7 },
  }),
] as const;
