import type { TLocalizedValidationError } from 'typebox/error';
import { Settings } from 'typebox/system';
import { describeSchema, schemaAt } from './describe-schema.ts';

/**
 * One readable line per problem, each naming the path in the body. TypeBox reports every failing
 * branch of a union separately (and may hit its error limit before the union's own error), and
 * closed objects twice; here a failing union becomes one "must be A | B" line.
 */
export function formatValidationErrors(schema: unknown, errors: readonly TLocalizedValidationError[]): string[] {
  const lines = errors.flatMap((error) => {
    const path = error.instancePath || '(body)';
    const union = /^(.*)\/anyOf\/\d+$/.exec(error.schemaPath);
    if (union) return [`${path} must be ${describeSchema(schemaAt(schema, union[1]))}`];
    switch (error.keyword) {
      case 'anyOf':
        return [`${path} must be ${describeSchema(schemaAt(schema, error.schemaPath))}`];
      case 'boolean':
        // additionalProperties: false yields one of these per undocumented field, at its own path.
        return [`${path} is not a documented field`];
      case 'additionalProperties':
        return [];
      case 'required':
        return error.params.requiredProperties.map((name) => `${error.instancePath}/${name} is required`);
      default:
        return [`${path} ${error.message}`];
    }
  });
  const unique = [...new Set(lines)];
  // TypeBox stops collecting at a global limit; say so rather than suggest the list is complete.
  if (errors.length >= Settings.Get().maxErrors) unique.push('(further problems may not be listed)');
  return unique;
}
