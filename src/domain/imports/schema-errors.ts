/** The first schema error of an import row, as a field and a message a person can act on. */
export function rowSchemaError(
  first: { keyword: string; params: unknown; instancePath: string; schemaPath: string; message: string },
  knownFields: string[],
): { field: string | null; message: string } {
  const field = first.keyword === 'required' ? `${first.instancePath}/${(first.params as { requiredProperties: string[] }).requiredProperties[0]}` : first.instancePath || null;
  const message = first.keyword === 'required' ? 'is required'
    : first.schemaPath === '#/additionalProperties' ? `is not a known field (${knownFields.join(', ')})`
      : first.keyword === 'enum' ? `must be one of ${(first.params as { allowedValues: string[] }).allowedValues.join(', ')}`
        : first.message;
  return { field, message };
}
