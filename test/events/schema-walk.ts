type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  additionalProperties?: unknown;
  patternProperties?: Record<string, Schema>;
};

/** The closed object a property schema holds, also behind `anyOf: [object, null]`. */
export function objectIn(schema: Schema): Schema | undefined {
  if (schema.properties) return schema;
  return schema.anyOf?.find((branch) => branch.properties);
}

/** The property schema at a dotted path, and whether every step of the path is required. */
export function propertyAt(root: unknown, dottedPath: string): { schema: Schema; required: boolean } | undefined {
  let node = root as Schema;
  let required = true;
  const parts = dottedPath.split('.');
  for (const [index, part] of parts.entries()) {
    const object = objectIn(node);
    const next = object?.properties?.[part];
    if (!object || !next) return undefined;
    required &&= object.required?.includes(part) ?? false;
    node = next;
    if (index === parts.length - 1) return { schema: node, required };
  }
  return undefined;
}

/** The JSON types a value may have under this schema ('null' included for nullable ones). */
export function jsonTypes(schema: Schema): string[] {
  if (schema.anyOf) return [...new Set(schema.anyOf.flatMap(jsonTypes))];
  return schema.type ? [schema.type] : [];
}

/** Dotted paths of every leaf; closed objects are descended into, open maps are leaves. */
export function leafPaths(root: unknown, prefix = ''): string[] {
  const object = objectIn(root as Schema);
  if (!object?.properties) return [];
  return Object.entries(object.properties).flatMap(([name, property]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    return objectIn(property) ? leafPaths(property, path) : [path];
  });
}

/** Sets the value at a dotted path of a (cloned) body. */
export function setAt(body: Record<string, unknown>, dottedPath: string, value: unknown): void {
  const parts = dottedPath.split('.');
  let node = body;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
}
