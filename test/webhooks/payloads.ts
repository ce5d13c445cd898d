import { Compile } from 'typebox/compile';
import { Webhook } from 'standardwebhooks';
import { expect, vi } from 'vitest';
import { validateEventBody } from '../../src/events/catalog.ts';
import { operationalEventTypes } from '../../src/outbox/operational-events.ts';
import type { Received } from '../support/receiver.ts';

const operational = new Map(operationalEventTypes.map((t) => [t.name, Compile(t.schema)]));

/** The event type a delivered body says it is: `event_name` (Brevo family) or `type` (the others). */
export function eventNameOf(body: any): string {
  return typeof body?.event_name === 'string' ? body.event_name : body?.type;
}

/** The event id a delivered body carries: the consumer matches it with the webhook-id header. */
export function eventIdOf(body: any): string {
  return body?.event_id ?? body?.data?.eventId;
}

/** Fails the test unless `body` matches the schema of the event type it names. */
export function expectValidPayload(body: unknown): void {
  const name = eventNameOf(body);
  expect(typeof name, `a delivered body names its event type: ${JSON.stringify(body)}`).toBe('string');
  const check = operational.get(name);
  if (check) {
    expect(check.Check(body), `${name} body matches its schema: ${JSON.stringify([...check.Errors(body)])}`).toBe(true);
  } else {
    expect(validateEventBody(name, body), `${name} body matches its schema`).toEqual({ ok: true });
  }
}

/** Every received body validates against its schema; returns the bodies. */
export function expectValidPayloads(received: readonly Received[]): any[] {
  for (const r of received) expectValidPayload(r.json);
  return received.map((r) => r.json);
}

/** The three Standard Webhooks headers of a received request, as the official library takes them. */
export function webhookHeadersOf(r: Received): Record<string, string> {
  return {
    'webhook-id': r.headers['webhook-id'] as string,
    'webhook-timestamp': r.headers['webhook-timestamp'] as string,
    'webhook-signature': r.headers['webhook-signature'] as string,
  };
}

/** Whether the official standardwebhooks library accepts this delivery with this secret. */
export function verifiesWith(secret: string, r: Received): boolean {
  try {
    new Webhook(secret).verify(r.body, webhookHeadersOf(r));
    return true;
  } catch {
    return false;
  }
}

/**
 * Verifies as a receiver whose wall clock shows `at` (the instance clock's time): the library
 * checks the timestamp against the wall clock. The real time is restored right after.
 */
export function verifiesAt(at: Date, secret: string, r: Received): boolean {
  vi.setSystemTime(at);
  try {
    return verifiesWith(secret, r);
  } finally {
    vi.useRealTimers();
  }
}
