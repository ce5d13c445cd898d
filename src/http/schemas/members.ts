import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

const AttributeValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]);

export const MemberEnrol = Type.Object(
  {
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    phone: Type.Optional(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +33612345678' })),
    cardId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'loyalty card number (case-sensitive)' })),
    firstName: Type.Optional(Type.String({ maxLength: 200 })),
    lastName: Type.Optional(Type.String({ maxLength: 200 })),
    customAttributes: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), AttributeValue)),
    loyaltySubscriptionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'given by the business, or generated' })),
    subscriptionCreatedAt: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

export const Member = Type.Object({
  id: Uuid,
  contactId: Type.Integer(),
  status: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  cardId: Type.Union([Type.String(), Type.Null()]),
  firstName: Type.Union([Type.String(), Type.Null()]),
  lastName: Type.Union([Type.String(), Type.Null()]),
  customAttributes: Type.Record(Type.String(), AttributeValue),
  subscription: Type.Object({
    id: Uuid,
    loyaltySubscriptionId: Type.String(),
    status: Type.String(),
    createdAt: DateTime,
  }),
  createdAt: DateTime,
  updatedAt: DateTime,
});
