/**
 * A short human reading of a payload schema ("string (date-time) | null", "\"credit\" | \"debit\""),
 * shared by validation messages and the generated event reference so both say the same thing.
 */
export function describeSchema(schema: unknown): string {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.anyOf)) return s.anyOf.map(describeSchema).join(' | ');
  if ('const' in s) return JSON.stringify(s.const);
  switch (s.type) {
    case 'string':
      return typeof s.format === 'string' ? `string (${s.format})` : 'string';
    case 'array': {
      const items = describeSchema(s.items);
      return items.includes(' | ') ? `(${items})[]` : `${items}[]`;
    }
    case 'object': {
      const pattern = s.patternProperties as Record<string, unknown> | undefined;
      const values = pattern ? Object.values(pattern)[0] : s.additionalProperties;
      return values && typeof values === 'object' ? `object (any key → ${describeSchema(values)})` : 'object';
    }
    default:
      return typeof s.type === 'string' ? s.type : 'unknown';
  }
}

/** The subschema a JSON pointer such as `#/properties/data/anyOf/0` designates. */
export function schemaAt(root: unknown, pointer: string): unknown {
  const parts = pointer.replace(/^#\/?/, '').split('/').filter((part) => part !== '');
  let node: unknown = root;
  for (const part of parts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}
