import { Type, type Static, type TObject, type TProperties } from 'typebox';
import type { EventType, OpenLoyaltyGroup } from '../event-type.ts';
import { exampleContext } from '../example-context.ts';
import { closedObject, dateTime, nullable } from '../schema-kit.ts';
import { composeOpenLoyaltyBody } from './compose.ts';
import { customer, openLoyaltyDataEnvelope } from './envelope-schema.ts';

export interface OpenLoyaltyEventType<N extends string = string, P extends TProperties = TProperties> extends EventType {
  readonly name: N;
  readonly family: 'openloyalty';
  readonly group: OpenLoyaltyGroup;
  readonly fields: TObject<P>;
}

/**
 * One Open Loyalty-family event. Open Loyalty documents when its events fire but not their
 * payloads, so `fields` (the subject's own members of `data`) are Punchcard's design.
 */
export function defineOpenLoyaltyEvent<const N extends string, const P extends TProperties>(definition: {
  name: N;
  group: OpenLoyaltyGroup;
  firesWhen: string;
  triggers?: readonly string[];
  /** Only an event that can precede the member being known (an unmatched transaction) sets this. */
  customerMayBeNull?: boolean;
  fields: P;
  exampleFields: Static<TObject<P>>;
}): OpenLoyaltyEventType<N, P> {
  const { name, fields, triggers = [] } = definition;
  const data = Type.Object(
    {
      ...openLoyaltyDataEnvelope,
      customer: definition.customerMayBeNull
        ? nullable(customer, { description: 'The member the event is about; null while no member is matched' })
        : customer,
      ...fields,
    },
    { additionalProperties: false },
  );
  return {
    name,
    family: 'openloyalty',
    group: definition.group,
    description: [definition.firesWhen, ...(triggers.length > 0 ? ['', ...triggers.map((trigger) => `- ${trigger}`)] : [])].join('\n'),
    triggers,
    fields: closedObject(fields),
    schema: closedObject({
      type: Type.Literal(name, { description: 'The event name' }),
      timestamp: dateTime('When the change happened (ISO 8601, UTC, milliseconds)'),
      data,
    }),
    // A copy: the example must not share objects with the definition it was made from.
    example: composeOpenLoyaltyBody(name, exampleContext(name), structuredClone(definition.exampleFields) as Record<string, unknown>),
  };
}
