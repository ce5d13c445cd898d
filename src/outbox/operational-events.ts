import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * Events about the webhook system itself, not the loyalty program: delivered, like any other,
 * to endpoints subscribed to them (or to all event types).
 */
const EndpointDisabled = Type.Object(
  {
    type: Type.Literal('endpoint.disabled'),
    timestamp: Type.String({ format: 'date-time' }),
    data: Type.Object(
      {
        programId: Type.String(),
        sequence: Type.Integer({ minimum: 1, description: 'per-program sequence number, shared with the program events' }),
        eventId: Type.String(),
        endpointId: Type.String(),
        url: Type.String(),
        reason: Type.String({ description: 'why: 410 Gone, or days of failures without a success' }),
        failingSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        disabledAt: Type.String({ format: 'date-time' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type EndpointDisabledFields = Omit<Static<typeof EndpointDisabled>['data'], 'programId' | 'sequence' | 'eventId'>;

export const operationalEventTypes = [
  {
    name: 'endpoint.disabled',
    family: 'operational' as const,
    group: 'webhooks',
    description: 'An endpoint was disabled: it answered 410 Gone, or had no successful delivery for 5 days.',
    schema: EndpointDisabled,
    example: {
      type: 'endpoint.disabled',
      timestamp: '2026-03-06T09:00:00.000Z',
      data: {
        programId: '01950000-0000-7000-8000-000000000001',
        sequence: 42,
        eventId: '01950000-0000-7000-8000-0000000000aa',
        endpointId: '01950000-0000-7000-8000-0000000000bb',
        url: 'https://crm.example.com/hooks/loyalty',
        reason: 'no successful delivery for 5 days',
        failingSince: '2026-03-01T09:00:00.000Z',
        disabledAt: '2026-03-06T09:00:00.000Z',
      },
    },
  },
];

const check = Compile(EndpointDisabled);

export function buildOperationalBody(
  name: string,
  ctx: { eventId: string; occurredAt: Date; program: { id: string }; sequence: number },
  fields: Record<string, unknown>,
) {
  const body = {
    type: name,
    timestamp: ctx.occurredAt.toISOString(),
    data: { programId: ctx.program.id, sequence: ctx.sequence, eventId: ctx.eventId, ...fields },
  };
  if (!check.Check(body)) {
    const errors = [...check.Errors(body)].map((e) => `${e.instancePath} ${e.message}`);
    throw new Error(`event ${name} does not match its schema: ${errors.join('; ')}`);
  }
  return body;
}
