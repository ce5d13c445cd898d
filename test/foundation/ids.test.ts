import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/domain/ids.ts';

const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const timeOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuidv7', () => {
  it('holds the caller’s time in its first 48 bits, version 7 and the RFC 9562 variant', () => {
    const at = new Date('2031-05-17T08:09:10.123Z');
    const id = uuidv7(at);
    expect(id).toMatch(shape);
    expect(timeOf(id)).toBe(at.getTime());
  });

  it('counts up within one millisecond, so ids never go backwards on a clock that stands still', () => {
    const at = new Date('2032-01-01T00:00:00.000Z');
    // More than the 4,096 the counter holds: the later ones borrow the next millisecond.
    const ids = Array.from({ length: 5000 }, () => uuidv7(at));
    expect(ids.every((id) => shape.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, n) => n === 0 || id > ids[n - 1])).toBe(true);
    expect(timeOf(ids[0])).toBe(at.getTime());
    expect(timeOf(ids[4096])).toBe(at.getTime() + 1);
    // An earlier time after a later one does not go back either.
    expect(uuidv7(new Date('2031-01-01T00:00:00Z')) > ids[ids.length - 1]).toBe(true);
  });

  it('draws fresh random bits for every id (62 of them after the variant)', () => {
    const at = new Date('2033-03-03T03:03:03.003Z');
    const tails = new Set(Array.from({ length: 10_000 }, () => uuidv7(at).slice(19)));
    expect(tails.size).toBe(10_000);
  });
});
