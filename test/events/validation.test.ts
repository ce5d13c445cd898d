import { describe, expect, it } from 'vitest';
import { eventTypes, findEventType, validateEventBody } from '../../src/events/catalog.ts';
import { brevoFixtureEvents } from './fixture.ts';
import { setAt } from './schema-walk.ts';

function exampleOf(name: string): Record<string, any> {
  return structuredClone(findEventType(name)!.example) as Record<string, any>;
}

function errorsOf(name: string, body: unknown): string[] {
  const result = validateEventBody(name, body);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

describe('validateEventBody rejects bodies that differ from the documented payload', () => {
  for (const documented of brevoFixtureEvents) {
    const numeric = documented.fields!.filter((field) => field.type === 'Numeric');
    for (const field of numeric) {
      it(`${documented.name}: ${field.name} given as a string`, () => {
        const body = exampleOf(documented.name);
        setAt(body, field.name, '123');
        expect(errorsOf(documented.name, body)).toContain(`/${field.name.replaceAll('.', '/')} must be number`);
      });
    }
  }

  for (const type of eventTypes) {
    it(`${type.name}: an unknown extra attribute`, () => {
      const body = exampleOf(type.name);
      const target = type.family === 'brevo' ? body : body.data;
      target.points_bonus = 5;
      const path = type.family === 'brevo' ? '/points_bonus' : '/data/points_bonus';
      expect(errorsOf(type.name, body)).toContain(`${path} is not a documented field`);
    });
  }

  it('rejects an unknown attribute inside a nested object', () => {
    const body = exampleOf('voucher_created');
    body.offer.discount = 10;
    expect(errorsOf('voucher_created', body)).toEqual(['/offer/discount is not a documented field']);
  });

  it('rejects a missing documented attribute, naming it', () => {
    const body = exampleOf('tier_association_updated');
    delete body.upgraded;
    expect(errorsOf('tier_association_updated', body)).toEqual(['/upgraded is required']);
  });

  it('rejects a Bool given as a string and an Object given as a string', () => {
    const body = exampleOf('balance_value_updated');
    body.created = 'true';
    body.balance_definition.metadata = 'key=value';
    const errors = errorsOf('balance_value_updated', body);
    expect(errors).toContain('/created must be boolean');
    expect(errors.some((error) => error.startsWith('/balance_definition/metadata'))).toBe(true);
  });

  it('rejects a value outside a closed set, listing the allowed ones', () => {
    const body = exampleOf('balance_transaction_unauthorized');
    body.transaction.type = 'refund';
    expect(errorsOf('balance_transaction_unauthorized', body)).toEqual(['/transaction/type must be "credit" | "debit"']);
  });

  it('rejects a null where the documentation gives no reason for absence', () => {
    const body = exampleOf('voucher_expiration_reminder');
    body.expired_at = null;
    expect(errorsOf('voucher_expiration_reminder', body)).toEqual(['/expired_at must be string']);
  });

  it('accepts null where a value may legitimately be absent', () => {
    const body = exampleOf('balance_value_updated');
    body.expiration_date = null;
    body.source_event_id = null;
    expect(validateEventBody('balance_value_updated', body)).toEqual({ ok: true });
  });

  it('rejects wrong common fields: a non-ISO date, a string contact id, a missing sequence', () => {
    const body = exampleOf('subscription_created');
    body.event_date = '10/06/2025';
    body.contact_id = '42';
    delete body.sequence;
    const errors = errorsOf('subscription_created', body);
    expect(errors).toContain('/event_date must match format "date-time"');
    expect(errors).toContain('/contact_id must be integer');
    expect(errors).toContain('/sequence is required');
  });

  it('rejects a contact property that is not a scalar', () => {
    const body = exampleOf('subscription_created');
    body.contact_properties.TAGS = ['a'];
    expect(validateEventBody('subscription_created', body).ok).toBe(false);
  });

  it('rejects Open Loyalty bodies with a wrong amount type, a fractional amount or a bad reason', () => {
    const body = exampleOf('AvailablePointsAmountChanged');
    body.data.amountChange = '460';
    body.data.availableAmount = 17.5;
    body.data.reason = 'gift';
    const errors = errorsOf('AvailablePointsAmountChanged', body);
    expect(errors).toContain('/data/amountChange must be integer');
    expect(errors).toContain('/data/availableAmount must be integer');
    expect(errors.some((error) => error.startsWith('/data/reason must be "spend" | "add"'))).toBe(true);
  });

  it('rejects a null customer except on TransactionRegistered', () => {
    const level = exampleOf('CustomerLevelChanged');
    level.data.customer = null;
    expect(errorsOf('CustomerLevelChanged', level)).toEqual(['/data/customer must be object']);
    const registered = exampleOf('TransactionRegistered');
    registered.data.customer = null;
    expect(validateEventBody('TransactionRegistered', registered)).toEqual({ ok: true });
  });

  it('rejects a wrong type name and an unknown event', () => {
    const body = exampleOf('CustomerRegistered');
    body.type = 'CustomerUpdated';
    expect(validateEventBody('CustomerRegistered', body).ok).toBe(false);
    expect(validateEventBody('NoSuchEvent', body)).toEqual({ ok: false, errors: ['unknown event type "NoSuchEvent"'] });
  });
});
