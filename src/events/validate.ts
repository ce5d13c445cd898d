import { Compile, type Validator } from 'typebox/compile';
import type { EventType } from './event-type.ts';
import { findEventType } from './event-types.ts';
import { formatValidationErrors } from './validation-errors.ts';

export type EventValidationResult = { ok: true } | { ok: false; errors: string[] };

// Compiling all 43 schemas costs startup time nobody needs; each is compiled on first use.
const validators = new Map<string, Validator>();

function validatorFor(type: EventType): Validator {
  let validator = validators.get(type.name);
  if (!validator) {
    validator = Compile(type.schema);
    validators.set(type.name, validator);
  }
  return validator;
}

/** Checks a full delivered body against its event type's schema. */
export function validateEventBody(name: string, body: unknown): EventValidationResult {
  const type = findEventType(name);
  if (!type) return { ok: false, errors: [`unknown event type "${name}"`] };
  const validator = validatorFor(type);
  if (validator.Check(body)) return { ok: true };
  return { ok: false, errors: formatValidationErrors(type.schema, validator.Errors(body)) };
}
