/**
 * A refusal the caller can act on, carried to the HTTP layer as an RFC 9457 problem.
 * Services and the domain throw it; anything else reaching the HTTP layer is a bug (500).
 */
export interface FieldIssue {
  /** JSON Pointer-ish path of the offending input, e.g. `/timezone` or `query.cursor`. */
  field: string;
  message: string;
}

export class Problem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: FieldIssue[];

  constructor(status: number, code: string, title: string, detail: string, errors: FieldIssue[] = []) {
    super(detail);
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = errors;
  }
}

/** A key as one JSON Pointer segment (RFC 6901): `~` and `/` escaped, so a key holding them still names one field. */
export const pointerSegment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export const invalidInput = (field: string, message: string) =>
  new Problem(422, 'invalid-input', 'Invalid input', `${field}: ${message}`, [{ field, message }]);

export const notFound = (what: string, id: string) =>
  new Problem(404, 'not-found', 'Not found', `${what} ${id} does not exist`);

export const conflict = (detail: string, field?: string) =>
  new Problem(409, 'conflict', 'Conflict', detail, field ? [{ field, message: detail }] : []);

export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'Forbidden', detail);
