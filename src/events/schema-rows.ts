import { describeSchema } from './describe-schema.ts';

export interface SchemaRow {
  path: string;
  type: string;
  description: string;
}

/**
 * Every property of an object schema as a dotted path, parents before children. Nullable objects
 * (`anyOf: [object, null]`) are descended into; open maps are leaves. A plain nested object only
 * gets a row of its own when it says something (a description), as in the Brevo tables.
 */
export function schemaRows(schema: unknown, prefix = ''): SchemaRow[] {
  const properties = (schema as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.entries(properties).flatMap(([name, property]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const row = { path, type: describeSchema(property), description: descriptionOf(property) };
    const nested = closedObjectIn(property);
    if (!nested) return [row];
    const ownRow = nested !== property || row.description !== '' ? [row] : [];
    return [...ownRow, ...schemaRows(nested, path)];
  });
}

function closedObjectIn(schema: unknown): unknown {
  const s = schema as { type?: string; properties?: object; anyOf?: unknown[] };
  if (s.type === 'object' && s.properties) return s;
  return s.anyOf?.find((branch) => (branch as { type?: string; properties?: object }).properties);
}

function descriptionOf(schema: unknown): string {
  const s = schema as { description?: string; anyOf?: Array<{ description?: string }> };
  return s.description ?? s.anyOf?.find((branch) => branch.description)?.description ?? '';
}
