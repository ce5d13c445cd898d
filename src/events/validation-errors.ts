import type { TLocalizedValidationError } from 'typebox/error';
import { Settings } from 'typebox/system';
import { describeSchema, schemaAt } from './describe-schema.ts';

/**
 * One readable line per problem, each naming the path in the body. The raw TypeBox output repeats
 * every failing branch of a union and reports closed objects twice; those are folded here.
 */
export function formatValidationErrors(schema: unknown, errors: readonly TLocalizedValidationError[]): string[] {
  const unions = errors.filter((error) => error.keyword === 'anyOf');
  const lines = errors.flatMap((error) => {
    const path = error.instancePath || '(body)';
    const insideFailedUnion = unions.some(
      (union) => union !== error && union.instancePath === error.instancePath && error.schemaPath.startsWith(`${union.schemaPath}/anyOf/`),
    );
    if (insideFailedUnion) return [];
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
