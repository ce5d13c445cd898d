import { describe, expect, it } from 'vitest';
import { eventTypes, validateEventBody } from '../../src/events/catalog.ts';

describe('catalog examples', () => {
  for (const type of eventTypes) {
    it(`${type.name}: its example is a full body that validates`, () => {
      expect(validateEventBody(type.name, type.example)).toEqual({ ok: true });
      if (type.family === 'brevo') {
        expect(type.example.event_name).toBe(type.name);
        expect(type.example.program_id).toBe((type.example.loyalty_program as { id: string }).id);
      } else {
        expect(type.example.type).toBe(type.name);
        expect(Object.keys(type.example)).toEqual(['type', 'timestamp', 'data']);
        const data = type.example.data as Record<string, unknown>;
        expect(Object.keys(data).slice(0, 4)).toEqual(['programId', 'sequence', 'eventId', 'customer']);
      }
    });
  }

  it('gives every example its own event id', () => {
    const ids = eventTypes.map((type) =>
      type.family === 'brevo' ? type.example.event_id : (type.example.data as { eventId: string }).eventId,
    );
    expect(new Set(ids).size).toBe(eventTypes.length);
  });

  it('does not accept one event\'s example as another event', () => {
    const updated = eventTypes.find((type) => type.name === 'balance_value_updated')!;
    const registered = eventTypes.find((type) => type.name === 'CustomerRegistered')!;
    expect(validateEventBody('balance_value_expired', updated.example).ok).toBe(false);
    expect(validateEventBody('CustomerDeactivated', registered.example).ok).toBe(false);
  });
});
