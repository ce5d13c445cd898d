import { invalidInput, pointerSegment } from '../problem.ts';
import type { Value } from './expression.ts';
import type { PurchaseItem } from './campaign.ts';

/**
 * How deep a custom event's body may nest: what conditions read stays small, whatever a business
 * sends (every request body is also held to 64 levels, src/http/plugins/problems.ts).
 */
export const maxBodyDepth = 32;

/** The JSON Pointer of the first object or list nested deeper than `levels` under `at`, or null. */
function tooDeep(value: unknown, levels: number, at: string): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (levels === 0) return at;
  for (const [key, child] of Object.entries(value)) {
    const found = tooDeep(child, levels - 1, `${at}/${pointerSegment(key)}`);
    if (found !== null) return found;
  }
  return null;
}

/** Refuses (422 naming the nested field) a custom event body nested deeper than maxBodyDepth. */
export function checkEventBody(body: unknown): void {
  const at = tooDeep(body, maxBodyDepth, '/body');
  if (at !== null) throw invalidInput(at, `nests deeper than ${maxBodyDepth} levels (objects and lists)`);
}

/**
 * What a condition sees, as plain values: numbers that are not safe integers become null (the
 * language knows integers only; money is in minor units).
 */
export function toValue(input: unknown): Value {
  if (input === null || input === undefined) return null;
  if (typeof input === 'number') return Number.isSafeInteger(input) ? input : null;
  if (typeof input === 'string' || typeof input === 'boolean') return input;
  if (input instanceof Date) return input.toISOString();
  if (Array.isArray(input)) return input.map(toValue);
  if (typeof input === 'object') return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, toValue(v)]));
  return null;
}

export interface PurchaseFacts {
  documentNumber: string;
  documentType: 'sell' | 'return';
  grossValue: number;
  currency: string;
  place: string | null;
  channel: string | null;
  purchasedAt: Date;
  items: PurchaseItem[];
  customAttributes: Record<string, unknown>;
}

/** `transaction`: the document, with its items and the lists conditions most often ask about. */
export function transactionFacts(p: PurchaseFacts): Value {
  const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))];
  return toValue({
    documentNumber: p.documentNumber,
    documentType: p.documentType,
    grossValue: p.grossValue,
    currency: p.currency,
    place: p.place,
    channel: p.channel,
    purchasedAt: p.purchasedAt,
    items: p.items,
    itemCount: p.items.reduce((n, i) => n + i.quantity, 0),
    skus: unique(p.items.map((i) => i.sku)),
    categories: unique(p.items.map((i) => i.category)),
    makers: unique(p.items.map((i) => i.maker)),
    labels: unique(p.items.flatMap((i) => i.labels)),
    customAttributes: p.customAttributes,
  });
}

export interface MemberFacts {
  id: string;
  customAttributes: Record<string, unknown>;
  registeredAt: Date;
  tiers: { groupId: string; groupName: string; tierId: string; tierName: string }[];
}

/** `member`: custom attributes, registration date (ISO string and whole days since), tiers. */
export function memberFacts(m: MemberFacts, now: Date): Value {
  return toValue({
    id: m.id,
    customAttributes: m.customAttributes,
    registeredAt: m.registeredAt,
    daysSinceRegistration: Math.floor((now.getTime() - m.registeredAt.getTime()) / 86_400_000),
    tier: m.tiers[0]?.tierName ?? null,
    tierId: m.tiers[0]?.tierId ?? null,
    tiers: m.tiers,
  });
}
