import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

/**
 * Names are HTTP tokens; values are visible ASCII, space and tab. The HTTP client refuses a line
 * break, a control character or a character past Latin-1 at send time, which would fail every
 * delivery to the endpoint, and non-ASCII header text has no encoding receivers agree on.
 * `additionalProperties: false` is what makes the name pattern binding: without it a name that
 * fails the pattern is simply let through.
 */
const HeaderMap = Type.Record(Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]{1,100}$' }),
  Type.String({ maxLength: 1000, pattern: '^[\\t\\x20-\\x7E]*$' }),
  { additionalProperties: false, description: 'extra headers sent with every delivery' });

const endpointFields = {
  url: Type.String({ minLength: 1, maxLength: 2000, description: 'where deliveries are POSTed (http or https)' }),
  description: Type.String({ maxLength: 500 }),
  eventTypes: Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 100, uniqueItems: true }), Type.Null()],
    { description: 'event types to receive; null or absent: all' }),
  // Visible ASCII without spaces: a line break or a non-ASCII character in the token would make
  // the Authorization header invalid and fail every delivery.
  bearerToken: Type.Union([Type.String({ minLength: 1, maxLength: 2000, pattern: '^[\\x21-\\x7E]+$' }), Type.Null()],
    { description: 'sent as Authorization: Bearer' }),
  basicAuth: Type.Union([
    Type.Object({ username: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^:]*$' }), password: Type.String({ maxLength: 200 }) },
      { additionalProperties: false }),
    Type.Null(),
  ], { description: 'sent as Authorization: Basic' }),
  headers: HeaderMap,
  timeoutMs: Type.Integer({ minimum: 1000, maximum: 60_000, description: 'per-attempt timeout; default 15000' }),
  maxConcurrency: Type.Integer({ minimum: 1, maximum: 100, description: 'attempts in flight at once per worker; default 10' }),
};

export const EndpointCreate = Type.Object(
  {
    url: endpointFields.url,
    description: Type.Optional(endpointFields.description),
    eventTypes: Type.Optional(endpointFields.eventTypes),
    bearerToken: Type.Optional(endpointFields.bearerToken),
    basicAuth: Type.Optional(endpointFields.basicAuth),
    headers: Type.Optional(endpointFields.headers),
    timeoutMs: Type.Optional(endpointFields.timeoutMs),
    maxConcurrency: Type.Optional(endpointFields.maxConcurrency),
  },
  { additionalProperties: false },
);

export const EndpointUpdate = Type.Partial(EndpointCreate, { additionalProperties: false });

export const Endpoint = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  bearerToken: Type.Union([Type.Literal('set'), Type.Null()], { description: 'never shown back' }),
  basicAuth: Type.Union([Type.Object({ username: Type.String() }), Type.Null()]),
  headers: Type.Record(Type.String(), Type.String()),
  timeoutMs: Type.Integer(),
  maxConcurrency: Type.Integer(),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  disabledAt: Type.Union([DateTime, Type.Null()]),
  failingSince: Type.Union([DateTime, Type.Null()], { description: 'start of the current run of failed attempts' }),
  previousSecretExpiresAt: Type.Union([DateTime, Type.Null()], { description: 'while set, the previous secret signs too' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const EndpointWithSecret = Type.Intersect([
  Endpoint,
  Type.Object({ secret: Type.String({ description: 'whsec_… signing secret: shown only in this answer' }) }),
]);

export const EndpointParams = Type.Object({ endpointId: Uuid }, { additionalProperties: false });
export const MessageParams = Type.Object({ endpointId: Uuid, messageId: Uuid }, { additionalProperties: false });

export const Message = Type.Object({
  id: Uuid,
  endpointId: Uuid,
  eventId: Uuid,
  eventType: Type.String(),
  sequence: Type.Union([Type.Integer(), Type.Null()], { description: 'null for test events' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([DateTime, Type.Null()]),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const Attempt = Type.Object({
  id: Uuid,
  attemptedAt: DateTime,
  trigger: Type.Union([Type.Literal('scheduled'), Type.Literal('manual')]),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  durationMs: Type.Integer(),
  responseBody: Type.String({ description: 'the first 4 KiB of the answer' }),
  error: Type.Union([Type.String(), Type.Null()]),
});

export const MessageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')])),
  },
  { additionalProperties: false },
);

export const RotateSecret = Type.Object(
  { gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800, description: 'default 86400 (24 h)' })) },
  { additionalProperties: false },
);

export const Recover = Type.Object({ since: DateTime }, { additionalProperties: false });
export const TestEvent = Type.Object({ eventType: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

export const EventTypeSummary = Type.Object({
  name: Type.String(),
  family: Type.String({ description: 'openloyalty, brevo or operational' }),
  group: Type.String(),
  description: Type.String(),
  schema: Type.Unknown({ description: 'JSON Schema of the delivered body' }),
  example: Type.Unknown({ description: 'an example delivered body' }),
});
