import { describe, expect, it } from 'vitest';
import { findEventType, validateEventBody } from '../../src/events/catalog.ts';
import { brevoEnvelopeSample, brevoFixtureEvents, fixture } from './fixture.ts';
import { jsonTypes, leafPaths, propertyAt } from './schema-walk.ts';

const documentedType = { String: 'string', Numeric: 'number', Bool: 'boolean', Object: 'object' } as const;
const extensionFields = ['program_id', 'sequence'];

describe('Brevo-family schemas follow the Brevo reference', () => {
  it('covers all 24 documented Brevo events', () => {
    expect(brevoFixtureEvents).toHaveLength(24);
    for (const documented of brevoFixtureEvents) expect(findEventType(documented.name)?.family).toBe('brevo');
  });

  for (const documented of brevoFixtureEvents) {
    describe(documented.name, () => {
      const type = findEventType(documented.name)!;

      it('has every documented attribute, required, with the documented datatype', () => {
        expect(documented.fields!.length).toBeGreaterThan(0);
        for (const field of documented.fields!) {
          const found = propertyAt(type.schema, field.name);
          expect(found, field.name).toBeDefined();
          expect(found!.required, `${field.name} required`).toBe(true);
          // metadata is a key/value object even where the table says String.
          const expected = field.name.endsWith('.metadata') ? 'object' : documentedType[field.type];
          const types = jsonTypes(found!.schema);
          expect(types.filter((t) => t !== 'null'), field.name).toEqual([expected]);
        }
      });

      it('has nothing besides the documented attributes and the common and extension fields', () => {
        const allowed = [...documented.fields!.map((field) => field.name), ...fixture.brevo_common_fields, ...extensionFields];
        expect(leafPaths(type.schema).sort()).toEqual([...allowed].sort());
        expect(leafPaths(type.fields).sort()).toEqual(documented.fields!.map((field) => field.name).sort());
      });

      it('types the common and extension fields', () => {
        const expectations: Record<string, string[]> = {
          event_id: ['string'],
          event_name: ['string'],
          event_date: ['string'],
          contact_id: ['integer'],
          contact_properties: ['object'],
          identifiers: ['object'],
          source: ['string'],
          program_id: ['string'],
          sequence: ['integer'],
        };
        for (const [name, types] of Object.entries(expectations)) {
          const found = propertyAt(type.schema, name);
          expect(found?.required, name).toBe(true);
          expect(jsonTypes(found!.schema), name).toEqual(types);
        }
      });

      it('accepts the documented example completed with the common and extension fields', () => {
        const body = { ...brevoEnvelopeSample(documented.name), ...documented.example };
        expect(validateEventBody(documented.name, body)).toEqual({ ok: true });
      });

      it('keeps the documented example untouched in its own example', () => {
        const documentedPart = Object.fromEntries(Object.keys(documented.example!).map((key) => [key, type.example[key]]));
        expect(documentedPart).toEqual(documented.example);
        const envelopeKeys = [...fixture.brevo_common_fields, ...extensionFields];
        expect(Object.keys(type.example).sort()).toEqual([...Object.keys(documented.example!), ...envelopeKeys].sort());
        expect(type.example.event_name).toBe(documented.name);
        expect(type.example.program_id).toBe((documented.example!.loyalty_program as { id: string }).id);
      });
    });
  }
});
