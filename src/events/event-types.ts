import type { Static, TObject } from 'typebox';
import { balanceEvents } from './brevo/balance.ts';
import { membershipEvents } from './brevo/membership.ts';
import { subscriptionEvents } from './brevo/subscription.ts';
import { tierEvents } from './brevo/tier.ts';
import { voucherEvents } from './brevo/voucher.ts';
import type { EventType } from './event-type.ts';
import { membersAndTiersEvents } from './openloyalty/members-and-tiers.ts';
import { rewardsAndCouponsEvents } from './openloyalty/rewards-and-coupons.ts';
import { transactionsAndUnitsEvents } from './openloyalty/transactions-and-units.ts';

const all = [
  ...transactionsAndUnitsEvents,
  ...rewardsAndCouponsEvents,
  ...membersAndTiersEvents,
  ...balanceEvents,
  ...membershipEvents,
  ...subscriptionEvents,
  ...tierEvents,
  ...voucherEvents,
] as const;

type Entry = (typeof all)[number];
export type EventName = Entry['name'];

type OptionalProgram<T> = T extends { loyalty_program: infer L } ? Omit<T, 'loyalty_program'> & { loyalty_program?: L } : T;

/**
 * The static type of what buildEventBody takes for an event, for callers that want the compiler
 * to check their fields (`fields satisfies EventFields<'balance_value_updated'>`). Brevo events
 * may leave `loyalty_program` out: it defaults to the context's program.
 */
export type EventFields<N extends EventName> =
  Extract<Entry, { name: N }> extends { family: 'brevo'; fields: infer F extends TObject }
    ? OptionalProgram<Static<F>>
    : Static<Extract<Entry, { name: N }>['fields']>;

export const eventTypes: readonly EventType[] = all;

export const eventTypeNames: readonly EventName[] = all.map((type) => type.name);

const byName = new Map<string, EventType>(eventTypes.map((type) => [type.name, type]));
if (byName.size !== eventTypes.length) throw new Error('An event type name is defined twice in the catalog');

export function findEventType(name: string): EventType | undefined {
  return byName.get(name);
}
