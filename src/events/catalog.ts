/** The webhook event catalog: what each event is, what its body looks like, and how to build one. */
export { buildEventBody, eventBodyText } from './build.ts';
export type { EventContext, MemberSnapshot } from './context.ts';
export type { BrevoGroup, EventFamily, EventType, OpenLoyaltyGroup } from './event-type.ts';
export { eventTypeNames, eventTypes, findEventType, type EventFields, type EventName } from './event-types.ts';
export { validateEventBody, type EventValidationResult } from './validate.ts';
