import { Type, type Static, type TObject, type TProperties } from 'typebox';
import type { BrevoGroup, EventType } from '../event-type.ts';
import { exampleContext } from '../example-context.ts';
import { closedObject } from '../schema-kit.ts';
import type { loyaltyProgram } from './attributes.ts';
import { composeBrevoBody } from './compose.ts';
import { brevoEnvelopeProperties } from './envelope-schema.ts';

type BrevoAttributes = TProperties & { loyalty_program: typeof loyaltyProgram };

export interface BrevoEventType<N extends string = string, P extends BrevoAttributes = BrevoAttributes> extends EventType {
  readonly name: N;
  readonly family: 'brevo';
  readonly group: BrevoGroup;
  readonly fields: TObject<P>;
}

/**
 * One Brevo-family event: `attributes` are exactly the documented attributes (dotted names as
 * nested objects); `documentedExample` is the example of the Brevo reference, transcribed as
 * published, and the catalog example is that plus the envelope fields.
 */
export function defineBrevoEvent<const N extends string, const P extends BrevoAttributes>(definition: {
  name: N;
  group: BrevoGroup;
  description: string;
  attributes: P;
  documentedExample: Static<TObject<P>>;
}): BrevoEventType<N, P> {
  const { name, attributes, documentedExample } = definition;
  const documented = documentedExample as Record<string, unknown> & { loyalty_program: { id: string; name: string } };
  return {
    name,
    family: 'brevo',
    group: definition.group,
    description: definition.description,
    triggers: [],
    fields: closedObject(attributes),
    schema: Type.Object({ ...brevoEnvelopeProperties, ...attributes }, { additionalProperties: false }),
    // A copy: the example must not share objects with the documented seed it was made from.
    example: composeBrevoBody(name, exampleContext(name, { program: documented.loyalty_program }), structuredClone(documented)),
  };
}
