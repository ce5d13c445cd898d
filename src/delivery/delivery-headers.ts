import type { OutgoingMessage } from '../storage/webhook-messages.ts';
import { webhookHeaders } from './signing.ts';

export const userAgent = 'Punchcard-Webhooks/0.1';

/**
 * The headers of one attempt: the endpoint's own (custom, then auth), then ours, which nothing
 * may override. During a rotation the previous secret signs too, until its grace period ends.
 */
export function buildDeliveryHeaders(message: OutgoingMessage, attemptedAt: Date): Record<string, string> {
  const secrets = [message.secret];
  if (message.previousSecret && message.previousSecretExpiresAt && message.previousSecretExpiresAt > attemptedAt) {
    secrets.push(message.previousSecret);
  }
  const headers: Record<string, string> = { ...message.headers };
  if (message.bearerToken) headers.authorization = `Bearer ${message.bearerToken}`;
  else if (message.basicUsername !== null) {
    const pair = `${message.basicUsername}:${message.basicPassword ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return {
    ...headers,
    'content-type': 'application/json',
    'user-agent': userAgent,
    ...webhookHeaders(secrets, message.eventId, Math.floor(attemptedAt.getTime() / 1000), message.body),
  };
}
