import { Type, type Static } from 'typebox';
import type { PurchaseItem } from '../campaigns/campaign.ts';
import { invalidInput } from '../problem.ts';

/** A sell or return document as the business sends it (API body, or one import row). */

const Money = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const Text = (max: number, description: string) => Type.String({ minLength: 1, maxLength: max, description });
const AttributeValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]);

export const PurchaseItemInput = Type.Object(
  {
    sku: Type.Optional(Text(100, 'stock keeping unit')),
    name: Type.Optional(Text(300, 'item name')),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'default 1' })),
    grossValue: Money('gross value of the line, in minor units of the currency'),
    category: Type.Optional(Text(100, 'item category')),
    maker: Type.Optional(Text(100, 'brand or maker')),
    labels: Type.Optional(Type.Array(Text(100, 'label'), { maxItems: 50, description: 'free labels, e.g. "promo"' })),
  },
  { additionalProperties: false },
);

export const CustomerInput = Type.Object(
  {
    memberId: Type.Optional(Type.String({ format: 'uuid', description: 'the member, when the business knows them' })),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 32 })),
    cardId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'loyalty card number' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false, description: "who bought: matched to a member by the program's members.matchingPriority" },
);

export const PurchaseInput = Type.Object(
  {
    documentNumber: Text(100, 'receipt or invoice number; unique per program'),
    documentType: Type.Optional(Type.Union([Type.Literal('sell'), Type.Literal('return')], { description: 'default sell' })),
    returnedDocumentNumber: Type.Optional(Text(100, 'for a return: the document number of the sale it returns')),
    purchasedAt: Type.String({ format: 'date-time', description: 'when the purchase (or return) happened' }),
    place: Type.Optional(Text(200, 'store or place')),
    channel: Type.Optional(Text(100, 'sales channel, e.g. "store" or "web"')),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code' }),
    grossTotal: Money('total gross value in minor units (positive for sells and returns alike)'),
    customer: Type.Optional(CustomerInput),
    items: Type.Optional(Type.Array(PurchaseItemInput, { maxItems: 1000, description: 'the lines of the document: their gross values may not add up to more than grossTotal (422)' })),
    customAttributes: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), AttributeValue, { description: 'free attributes of the document' })),
  },
  { additionalProperties: false },
);
export type PurchaseInput = Static<typeof PurchaseInput>;

/** The document with its defaults and parsed date; checks what the schema cannot. */
export function readDocument(input: PurchaseInput) {
  const documentType = input.documentType ?? 'sell';
  if (documentType === 'return' && !input.returnedDocumentNumber) throw invalidInput('/returnedDocumentNumber', 'is required for a return');
  if (documentType === 'sell' && input.returnedDocumentNumber) throw invalidInput('/returnedDocumentNumber', 'is only for a return');
  const purchasedAt = new Date(input.purchasedAt);
  if (Number.isNaN(purchasedAt.getTime())) throw invalidInput('/purchasedAt', 'is not a date-time');
  const items: PurchaseItem[] = (input.items ?? []).map((i) => ({
    sku: i.sku ?? null, name: i.name ?? null, quantity: i.quantity ?? 1, grossValue: i.grossValue,
    category: i.category ?? null, maker: i.maker ?? null, labels: i.labels ?? [],
  }));
  // Items are lines of the document: more than its total would let a multiplier award units on
  // value never paid (a 1-cent receipt listing a fortune in items).
  const itemsTotal = items.reduce((n, i) => n + BigInt(i.grossValue), 0n);
  if (itemsTotal > BigInt(input.grossTotal)) {
    throw invalidInput('/items', `gross values add up to ${itemsTotal}, more than grossTotal ${input.grossTotal}`);
  }
  return {
    documentNumber: input.documentNumber,
    documentType,
    returnedDocumentNumber: input.returnedDocumentNumber ?? null,
    purchasedAt,
    place: input.place ?? null,
    channel: input.channel ?? null,
    currency: input.currency,
    grossTotal: input.grossTotal,
    customer: input.customer ?? {},
    items,
    customAttributes: input.customAttributes ?? {},
  };
}
export type PurchaseDocument = ReturnType<typeof readDocument>;
