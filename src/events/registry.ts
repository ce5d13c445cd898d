import { operationalEventTypes } from '../outbox/operational-events.ts';
import { eventTypes } from './catalog.ts';

/** Every event type an endpoint can subscribe to: the 43 of the catalog and the operational ones. */
export function allEventTypes() {
  return [...eventTypes, ...operationalEventTypes];
}

let names: Set<string> | undefined;
export function knownEventTypeNames(): ReadonlySet<string> {
  names ??= new Set(allEventTypes().map((t) => t.name));
  return names;
}
