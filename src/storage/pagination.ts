import { invalidInput } from '../domain/problem.ts';

/**
 * Cursor pagination over time-ordered (UUIDv7) ids: a cursor is the last id of the previous
 * page, opaque to clients.
 */
export interface PageRequest {
  limit: number;
  after: string | null;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!uuidPattern.test(id)) throw invalidInput('query.cursor', 'is not a cursor returned by this list');
  return id;
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** Rows were fetched with `LIMIT limit + 1`: the extra row only tells that a next page exists. */
export function toPage<Row extends { id: string }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { data: kept.map(map), nextCursor: more ? encodeCursor(kept[kept.length - 1].id) : null };
}
