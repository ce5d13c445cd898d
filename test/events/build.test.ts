import { describe, expect, it } from 'vitest';
import {
  buildEventBody,
  eventBodyText,
  validateEventBody,
  type EventContext,
  type EventFields,
  type MemberSnapshot,
} from '../../src/events/catalog.ts';

const member: MemberSnapshot = {
  id: '0197a000-1111-7000-8000-000000000001',
  contactId: 7,
  email: 'ada@example.com',
  phone: null,
  cardId: 'CARD-0001',
  firstName: 'Ada',
  lastName: 'Lovelace',
  properties: { AGE: 36, EMAIL: 'spoofed@example.com' },
  subscriptionId: 'sub-ada',
};

function context(overrides: Partial<EventContext> = {}): EventContext {
  return {
    eventId: '0197a000-2222-7000-8000-000000000001',
    occurredAt: new Date('2026-01-02T03:04:05.678Z'),
    program: { id: '0197a000-3333-7000-8000-000000000001', name: 'Coffee Club' },
    sequence: 17,
    member,
    source: 'admin',
    ...overrides,
  };
}

const balanceUpdated = {
  balance_definition: { id: 'bd-1', metadata: { tier_bonus: true }, name: 'Stars', unit: 'points' },
  created: false,
  expiration_date: null,
  initial_value: 100,
  source_event_id: 'tx-1',
  transaction: { type: 'credit', value: 50 },
  value: 150,
} satisfies EventFields<'balance_value_updated'>;

const pointsChanged = {
  walletType: { id: '0197a000-4444-7000-8000-000000000001', name: 'Stars', unit: 'points' },
  amountChange: -50,
  availableAmount: 100,
  reason: 'spend',
  transferId: '0197a000-5555-7000-8000-000000000001',
} satisfies EventFields<'AvailablePointsAmountChanged'>;

// The compiler checks callers that opt in with EventFields (tsc runs over test/ too).
// @ts-expect-error a Numeric attribute is a number, not a string
export const wrongStatic: EventFields<'balance_value_updated'> = { ...balanceUpdated, value: '150' };

describe('buildEventBody: Brevo family', () => {
  it('fills the common and extension fields from the context around the documented attributes', () => {
    const body = buildEventBody('balance_value_updated', context(), balanceUpdated);
    expect(body).toEqual({
      event_id: '0197a000-2222-7000-8000-000000000001',
      event_name: 'balance_value_updated',
      event_date: '2026-01-02T03:04:05.678Z',
      contact_id: 7,
      // Brevo standard attributes come from the member record and win over custom ones.
      contact_properties: { AGE: 36, FIRSTNAME: 'Ada', LASTNAME: 'Lovelace', EMAIL: 'ada@example.com', SMS: null },
      identifiers: { email_id: 'ada@example.com', ext_id: 'CARD-0001', loyalty_subscription_id: 'sub-ada' },
      source: 'admin',
      program_id: '0197a000-3333-7000-8000-000000000001',
      sequence: 17,
      loyalty_program: { id: '0197a000-3333-7000-8000-000000000001', name: 'Coffee Club' },
      ...balanceUpdated,
    });
    expect(validateEventBody('balance_value_updated', body)).toEqual({ ok: true });
  });

  it('builds a voucher event with a voucher that does not expire', () => {
    const body = buildEventBody('voucher_created', context({ source: 'campaign' }), {
      code: 'WELCOME-42',
      expires_at: null,
      id: 'v-1',
      offer: { id: 'o-1', name: 'Welcome', public_description: null, public_image: null, public_name: 'Welcome gift' },
      source_event_id: null,
      valid_from: '2026-01-02T03:04:05.678Z',
    } satisfies EventFields<'voucher_created'>);
    expect(body).toMatchObject({ event_name: 'voucher_created', source: 'campaign', expires_at: null, code: 'WELCOME-42' });
  });

  it('accepts loyalty_program when it is the context program', () => {
    const program = context().program;
    const body = buildEventBody('subscription_revoked', context(), { loyalty_program: program, loyalty_subscription_id: 'sub-ada' });
    expect(body.loyalty_program).toEqual(program);
  });

  it('refuses a loyalty_program of another program', () => {
    expect(() =>
      buildEventBody('subscription_revoked', context(), { loyalty_program: { id: 'other', name: 'X' }, loyalty_subscription_id: 's' }),
    ).toThrow(/subscription_revoked: loyalty_program.id other is not the event's program/);
  });

  it('throws, naming the event and the path, on a wrong field type', () => {
    expect(() => buildEventBody('balance_value_updated', context(), { ...balanceUpdated, value: '150' })).toThrow(
      'Event balance_value_updated does not match its schema: /value must be number',
    );
  });

  it('throws on a missing required field', () => {
    const { created: _created, ...withoutCreated } = balanceUpdated;
    expect(() => buildEventBody('balance_value_updated', context(), withoutCreated)).toThrow(
      'Event balance_value_updated does not match its schema: /created is required',
    );
  });

  it('throws on an undocumented field', () => {
    expect(() => buildEventBody('balance_value_updated', context(), { ...balanceUpdated, bonus: 1 })).toThrow(
      '/bonus is not a documented field',
    );
  });

  it('refuses fields that would override the envelope', () => {
    expect(() => buildEventBody('balance_value_updated', context(), { ...balanceUpdated, event_id: 'x', sequence: 1 })).toThrow(
      'Event balance_value_updated: fields must not set envelope field(s) event_id, sequence; they come from the context',
    );
  });

  it('throws without a member, since every Brevo event is about a contact', () => {
    expect(() => buildEventBody('balance_value_updated', context({ member: null }), balanceUpdated)).toThrow(
      /balance_value_updated does not match its schema: \/contact_id must be integer/,
    );
  });

  it('omits identifiers the member does not have', () => {
    const body = buildEventBody('subscription_revoked', context({ member: { ...member, email: null, cardId: null, subscriptionId: null } }), {
      loyalty_subscription_id: 'sub-ada',
    });
    expect(body.identifiers).toEqual({});
  });
});

describe('buildEventBody: Open Loyalty family', () => {
  it('builds {type, timestamp, data} with the program, sequence, event id and customer', () => {
    const body = buildEventBody('AvailablePointsAmountChanged', context(), pointsChanged);
    expect(body).toEqual({
      type: 'AvailablePointsAmountChanged',
      timestamp: '2026-01-02T03:04:05.678Z',
      data: {
        programId: '0197a000-3333-7000-8000-000000000001',
        sequence: 17,
        eventId: '0197a000-2222-7000-8000-000000000001',
        customer: {
          customerId: member.id,
          contactId: 7,
          email: 'ada@example.com',
          phone: null,
          loyaltyCardNumber: 'CARD-0001',
          firstName: 'Ada',
          lastName: 'Lovelace',
        },
        ...pointsChanged,
      },
    });
  });

  it('builds CustomerLevelChanged for the default tier of a new member', () => {
    const body = buildEventBody('CustomerLevelChanged', context(), {
      tierSetId: '0197a000-6666-7000-8000-000000000001',
      tierSetName: 'Medals',
      levelId: '0197a000-6666-7000-8000-000000000002',
      levelName: 'Bronze',
      previousLevelId: null,
      previousLevelName: null,
      manual: false,
      direction: 'up',
    } satisfies EventFields<'CustomerLevelChanged'>);
    expect(validateEventBody('CustomerLevelChanged', body)).toEqual({ ok: true });
  });

  it('builds TransactionRegistered for a transaction not matched to a member yet', () => {
    const body = buildEventBody('TransactionRegistered', context({ member: null, source: 'import' }), {
      transactionId: '0197a000-7777-7000-8000-000000000001',
      documentNumber: 'R-1',
      documentType: 'return',
      purchasedAt: '2026-01-01T10:00:00.000Z',
      grossValue: 1250,
      currency: 'EUR',
      returnedDocumentNumber: 'S-1',
    } satisfies EventFields<'TransactionRegistered'>);
    expect((body.data as { customer: unknown }).customer).toBeNull();
  });

  it('builds an event with no fields of its own', () => {
    const body = buildEventBody('CustomerDeactivated', context(), {});
    expect(Object.keys(body.data as object)).toEqual(['programId', 'sequence', 'eventId', 'customer']);
  });

  it('throws on a wrong field type', () => {
    expect(() => buildEventBody('AvailablePointsAmountChanged', context(), { ...pointsChanged, amountChange: 1.5 })).toThrow(
      'Event AvailablePointsAmountChanged does not match its schema: /data/amountChange must be integer',
    );
  });

  it('throws on a missing required field', () => {
    const { reason: _reason, ...withoutReason } = pointsChanged;
    expect(() => buildEventBody('AvailablePointsAmountChanged', context(), withoutReason)).toThrow('/data/reason is required');
  });

  it('throws without a member where the event needs one', () => {
    expect(() => buildEventBody('CustomerDeactivated', context({ member: null }), {})).toThrow(
      'Event CustomerDeactivated does not match its schema: /data/customer must be object',
    );
  });

  it('refuses fields that would override the envelope', () => {
    expect(() => buildEventBody('CustomerDeactivated', context(), { customer: null })).toThrow(/must not set envelope field\(s\) customer/);
  });

  it('throws on an unknown event name', () => {
    expect(() => buildEventBody('PointsWereGifted', context(), {})).toThrow('Unknown webhook event type "PointsWereGifted"');
  });

  it('returns a body detached from the caller\'s objects', () => {
    const fields = structuredClone(pointsChanged);
    const body = buildEventBody('AvailablePointsAmountChanged', context(), fields);
    fields.walletType.name = 'changed later';
    expect((body.data as typeof pointsChanged).walletType.name).toBe('Stars');
  });

  it('gives the outbox the same body as JSON text (eventBodyText), and refuses what buildEventBody refuses', () => {
    const text = eventBodyText('AvailablePointsAmountChanged', context(), pointsChanged);
    expect(JSON.parse(text)).toEqual(buildEventBody('AvailablePointsAmountChanged', context(), pointsChanged));
    expect(text).toContain('"walletType":{');
    expect(() => eventBodyText('CustomerDeactivated', context(), { customer: null })).toThrow(/must not set envelope field\(s\) customer/);
    expect(() => eventBodyText('AvailablePointsAmountChanged', context(), { ...pointsChanged, walletType: 'x' })).toThrow(/does not match its schema/);
  });
});
