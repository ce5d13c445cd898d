import type { TObject } from 'typebox';

export type EventFamily = 'openloyalty' | 'brevo';

export type BrevoGroup = 'balance' | 'subscription' | 'membership' | 'tier' | 'voucher';
export type OpenLoyaltyGroup = 'transactions_and_units' | 'rewards_and_coupons' | 'members_and_tiers';

export interface EventType {
  readonly name: string;
  readonly family: EventFamily;
  readonly group: BrevoGroup | OpenLoyaltyGroup;
  /** When the event fires, in Markdown (Open Loyalty events end with their trigger list). */
  readonly description: string;
  /** The documented trigger list (Open Loyalty family); empty when there is none. */
  readonly triggers: readonly string[];
  /** The full delivered body. */
  readonly schema: TObject;
  /**
   * The event's own fields, i.e. what a caller hands to buildEventBody: the documented attributes
   * (Brevo) or the subject fields of `data` (Open Loyalty), without the envelope.
   */
  readonly fields: TObject;
  /** A full delivered body. */
  readonly example: Readonly<Record<string, unknown>>;
}
