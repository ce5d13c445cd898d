import { Type, type TLiteral, type TObject, type TProperties, type TSchema, type TSchemaOptions, type TUnion } from 'typebox';

/**
 * Small builders for webhook payload schemas. Every payload object is closed
 * (additionalProperties: false) so that a field we did not document can never reach a receiver.
 */

export function closedObject<const P extends TProperties>(properties: P, description?: string): TObject<P> {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}

export function nullable<const S extends TSchema>(schema: S, options: TSchemaOptions = {}) {
  return Type.Union([schema, Type.Null()], options);
}

export function text(description: string) {
  return Type.String({ description });
}

export function nullableText(description: string) {
  return nullable(Type.String(), { description });
}

/** RFC 3339 date-time; Punchcard always sends `Date.prototype.toISOString()` (UTC, milliseconds). */
export function dateTime(description: string) {
  return Type.String({ format: 'date-time', description });
}

export function nullableDateTime(description: string) {
  return nullable(Type.String({ format: 'date-time' }), { description });
}

export function uuid(description: string) {
  return Type.String({ format: 'uuid', description });
}

export function nullableUuid(description: string) {
  return nullable(Type.String({ format: 'uuid' }), { description });
}

export function integer(description: string, options: { minimum?: number } = {}) {
  return Type.Integer({ description, ...options });
}

type Literals<V extends readonly string[]> = { -readonly [K in keyof V]: TLiteral<V[K]> };

/** A closed set of string values (JSON Schema `anyOf` of `const`s, so receivers see the list). */
export function oneOf<const V extends readonly [string, ...string[]]>(values: V, description: string): TUnion<Literals<V>> {
  const literals = values.map((value) => Type.Literal(value));
  return Type.Union(literals, { description }) as unknown as TUnion<Literals<V>>;
}

/** JSON scalar values allowed in open key/value maps (metadata, contact attributes). */
export const scalarValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

/** An open key/value map: the only kind of object in a payload that accepts arbitrary keys. */
export function openMap<const S extends TSchema>(values: S, description: string) {
  return Type.Record(Type.String(), values, { description });
}
