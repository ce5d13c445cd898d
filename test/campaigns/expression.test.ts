import { describe, expect, it } from 'vitest';
import { ExpressionError, holds, parseExpression, evaluate } from '../../src/domain/campaigns/expression.ts';
import { conditionRoots, awardedUnits, takeBackShare } from '../../src/domain/campaigns/campaign.ts';
import { transactionFacts, memberFacts } from '../../src/domain/campaigns/facts.ts';

/** The condition language on its own: grammar, evaluation, errors with positions. */

const item = (sku: string, grossValue: number, extra: Record<string, unknown> = {}) =>
  ({ sku, name: null, quantity: 1, grossValue, category: null, maker: null, labels: [] as string[], ...extra });
const scope = {
  transaction: transactionFacts({
    documentNumber: 'D-1', documentType: 'sell', grossValue: 4599, currency: 'EUR', place: 'Lyon', channel: 'store',
    purchasedAt: new Date('2026-04-01T09:00:00Z'), customAttributes: { promo: 'SPRING' },
    items: [item('TEA', 1599, { category: 'drinks', labels: ['organic'], quantity: 2 }), item('CUP', 3000, { category: 'kitchen' })],
  }),
  member: memberFacts({ id: 'm', customAttributes: { vip: true, visits: 3 }, registeredAt: new Date('2026-01-01T00:00:00Z'), tiers: [] },
    new Date('2026-04-01T00:00:00Z')),
  event: null, tierChange: null,
};
const run = (source: string) => evaluate(parseExpression(source, conditionRoots), scope);

describe('the condition language', () => {
  it('evaluates comparisons, logic, arithmetic, membership and the list functions', () => {
    expect(run('transaction.grossValue >= 4000 and transaction.channel == "store"')).toBe(true);
    expect(run('not (transaction.grossValue > 5000) or false')).toBe(true);
    expect(run('transaction.grossValue / 100 * 2 + 1')).toBe(91);
    expect(run('-transaction.grossValue % 1000')).toBe(-599);
    expect(run('"TEA" in transaction.skus and "SOAP" not in transaction.skus')).toBe(true);
    expect(run("any(transaction.items, item.category == 'drinks' and 'organic' in item.labels)")).toBe(true);
    expect(run('all(transaction.items, item.grossValue > 1000)')).toBe(true);
    expect(run('count(transaction.items, item.grossValue > 2000)')).toBe(1);
    expect(run('sum(transaction.items, item.quantity)')).toBe(3);
    expect(run('sum(transaction.items, item.grossValue, item.category == "kitchen")')).toBe(3000);
    expect(run('transaction.itemCount == 3 and len(transaction.categories) == 2')).toBe(true);
    expect(run('member.customAttributes.vip and member.customAttributes.visits >= 3')).toBe(true);
    expect(run('member.daysSinceRegistration == 90 and member.registeredAt < "2026-02-01"')).toBe(true);
    expect(run('transaction.customAttributes["promo"] == "SPRING" and lower(transaction.place) == "lyon"')).toBe(true);
    expect(run('min(1, 2) + max(3, 4) == 5 and contains([1, 2], 2) and contains("abc", "b")')).toBe(true);
    expect(run('member.tier == null and transaction.items[1].sku == "CUP" and transaction.items[5] == null')).toBe(true);
    expect(run('1 + 2 * 3 == 7 and (1 + 2) * 3 == 9 and 1_000 == 1000')).toBe(true);
  });

  it('treats values of the wrong type as a condition that does not hold', () => {
    const check = (source: string) => holds(parseExpression(source, conditionRoots), scope);
    expect(check('member.customAttributes.missing > 3')).toBe(false);
    expect(check('transaction.place + 1 > 0')).toBe(false);
    expect(check('transaction.grossValue / 0 == 1')).toBe(false);
    expect(check('transaction.grossValue')).toBe(false);
    expect(check('"a" < 1')).toBe(false);
    expect(check('9007199254740991 + 1 > 0')).toBe(false);
  });

  it('refuses malformed expressions with the position of the error', () => {
    const error = (source: string) => {
      try {
        parseExpression(source, conditionRoots);
      } catch (e) {
        expect(e).toBeInstanceOf(ExpressionError);
        return [(e as ExpressionError).position, (e as ExpressionError).message];
      }
      throw new Error(`parsed: ${source}`);
    };
    expect(error('transaction.grossValue >')).toEqual([24, 'at position 24: unexpected end of expression']);
    expect(error('transaction.grossValue > 10.5')).toEqual([25, 'at position 25: only integers are allowed (money is in minor units)']);
    expect(error('customer.x == 1')[0]).toBe(0);
    expect(error('eval("x")')[1]).toContain('unknown function "eval"');
    expect(error('count()')[1]).toContain('count() takes 1 to 2 arguments, not 0');
    expect(error('"open')[1]).toContain('unterminated string');
    expect(error('(1 + 2')[1]).toContain('expected ")"');
    expect(error('1 == 1 1')[0]).toBe(7);
    expect(error('a & b')[0]).toBe(2);
    expect(error('member.x & 1')[1]).toContain('unexpected character "&"');
    expect(error('('.repeat(60) + '1' + ')'.repeat(60))[1]).toContain('nested too deeply');
  });

  it('refuses list functions nested more than 2 deep, and stops an evaluation past its step budget', () => {
    expect(() => parseExpression('any(transaction.items, any(transaction.items, any(transaction.items, false)))', conditionRoots))
      .toThrow('at position 46: list functions (any, all, count, sum) nest at most 2 deep');
    expect(() => parseExpression('count(transaction.items) + sum(transaction.items, count(item.labels, all(item, true)))', conditionRoots))
      .toThrow('at position 69: list functions');
    expect(run('any(transaction.items, any(item.labels, item == "organic"))')).toBe(true);

    // Two nested list functions over n items take about n² steps: 100 items fit in the budget, 1,000 do not.
    const many = (n: number) => ({ ...scope, transaction: transactionFacts({
      documentNumber: 'D-2', documentType: 'sell', grossValue: n, currency: 'EUR', place: null, channel: null,
      purchasedAt: new Date('2026-04-01T09:00:00Z'), customAttributes: {}, items: Array.from({ length: n }, (_, i) => item(`S${i}`, 1)) }) });
    const everyPair = parseExpression('count(transaction.items, count(transaction.items, item.grossValue == 1) == len(transaction.items)) == len(transaction.items)', conditionRoots);
    expect(holds(everyPair, many(100))).toBe(true);
    const started = performance.now();
    expect(holds(everyPair, many(1000))).toBe(false);
    expect(holds(parseExpression('any(transaction.items, "S999" in transaction.skus and false) or true', conditionRoots), many(1000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('award arithmetic', () => {
  it('counts units per whole amount spent, multiplied for SKUs and labels, rounded down once', () => {
    const purchase = { grossTotal: 4599, items: [item('TEA', 1599, { labels: ['organic'] }), item('CUP', 3000)] };
    expect(awardedUnits({ type: 'award_units', units: 50 }, purchase)).toBe(50n);
    expect(awardedUnits({ type: 'award_units', units: 10, perSpent: 100 }, purchase)).toBe(450n);
    // TEA counts 3 times (the highest matching factor): 4599 + 2 * 1599 = 7797.
    expect(awardedUnits({ type: 'award_units', units: 10, perSpent: 100,
      multipliers: [{ sku: 'TEA', factor: 2 }, { label: 'organic', factor: 3 }] }, purchase)).toBe(770n);
    expect(awardedUnits({ type: 'award_units', units: 10, perSpent: 100 }, null)).toBe(0n);
  });

  it('is exact beyond the safe integers, where floats would round', () => {
    expect(awardedUnits({ type: 'award_units', units: 1_000_000, perSpent: 1 }, { grossTotal: 1e13, items: [] })).toBe(10n ** 19n);
    const max = Number.MAX_SAFE_INTEGER;
    const big = { grossTotal: max, items: [item('GOLD', max)] };
    expect(awardedUnits({ type: 'award_units', units: 1, perSpent: 1, multipliers: [{ sku: 'GOLD', factor: 3 }] }, big)).toBe(3n * BigInt(max));
    expect(awardedUnits({ type: 'award_units', units: 7, perSpent: 3 }, { grossTotal: max, items: [] })).toBe((BigInt(max) / 3n) * 7n);
  });

  it('takes back in proportion of the value returned so far', () => {
    expect(takeBackShare(1000, 10_000, 2500, 0)).toBe(250);
    expect(takeBackShare(1000, 10_000, 5000, 250)).toBe(250);
    expect(takeBackShare(7, 3, 1, 0)).toBe(2);
    expect(takeBackShare(7, 3, 3, 2)).toBe(5);
    expect(takeBackShare(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0)).toBe(Number.MAX_SAFE_INTEGER);
  });
});
