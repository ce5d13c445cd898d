import { Type } from 'typebox';
import { closedObject, dateTime, nullableText, oneOf, openMap, scalarValue, text } from '../schema-kit.ts';

/**
 * Attribute groups that several Brevo events share, with the datatypes of the Brevo reference:
 * String → string, Numeric → number, Bool → boolean, dotted names → nested closed objects.
 */

export const loyaltyProgram = closedObject({
  id: text('Loyalty program ID'),
  name: text('Loyalty program name'),
});

export const balanceDefinition = closedObject({
  id: text('Balance definition ID'),
  // Documented as String in most tables but Object in one and in every example: it is a key/value map.
  metadata: openMap(scalarValue, 'Balance definition metadata (key/value object)'),
  name: text('Balance definition name'),
  unit: text('Balance definition unit'),
});

export const membership = closedObject({
  card_id: nullableText('Membership card ID (null when the member has no loyalty card number)'),
  created_at: dateTime('Time and date membership was created'),
});

export const reminder = closedObject({
  unit: oneOf(['day', 'week', 'month', 'year'], 'Reminder unit'),
  value: Type.Number({ description: 'Reminder value (how many units before the moment)' }),
});

export const offer = closedObject({
  id: text('Offer ID'),
  name: text('Offer name'),
  public_description: nullableText('Offer public description (null when not set)'),
  public_image: nullableText('Offer public image (null when not set)'),
  public_name: nullableText('Offer public name (null when not set)'),
});

export const tier = closedObject({
  id: text('Tier ID'),
  name: text('Tier name'),
});

export const tierGroup = closedObject({
  id: text('Tier group ID'),
  name: text('Tier group name'),
});

export const subscription = closedObject({
  created_at: dateTime('Time and date when subscription was created'),
  loyalty_subscription_id: text('Loyalty subscription ID'),
});

export const transaction = closedObject({
  type: oneOf(['credit', 'debit'], 'Transaction type'),
  value: Type.Number({ description: 'Transaction value (always positive; the type gives the direction)' }),
});

export const sourceEventId = nullableText(
  'Source event ID: id of the operation that caused this event (ledger transaction, purchase transaction or triggering event); null when there is none',
);
