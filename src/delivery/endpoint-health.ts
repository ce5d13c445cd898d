import { programNow, type Clock } from '../clock/clock.ts';
import { emitEvent } from '../outbox/emit.ts';
import type { Queryable } from '../storage/db.ts';
import { autoDisableAfterMs } from './retry-policy.ts';

export type EndpointOutcome =
  | { kind: 'success' | 'failure'; endpointId: string }
  | { kind: 'gone'; endpointId: string; reason: string };

/**
 * Keeps each endpoint's health after a batch of attempts: a success ends its run of failures;
 * a failure starts one; 410 Gone, or a run of failures older than the auto-disable window,
 * disables the endpoint and emits `endpoint.disabled` in the same transaction.
 */
export async function applyEndpointOutcomes(tx: Queryable, outcomes: EndpointOutcome[], now: Date): Promise<void> {
  // The latest outcome per endpoint decides its run of failures, except that a 410 Gone anywhere
  // in the batch stands: the receiver asked for no more, whatever another request of the batch got.
  const last = new Map<string, EndpointOutcome>();
  for (const outcome of outcomes) {
    if (last.get(outcome.endpointId)?.kind !== 'gone') last.set(outcome.endpointId, outcome);
  }
  const ids = (kind: EndpointOutcome['kind']) => [...last.values()].filter((o) => o.kind === kind).map((o) => o.endpointId);

  const succeeded = ids('success');
  if (succeeded.length > 0) {
    await tx.query(
      `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ANY ($1::uuid[]) AND failing_since IS NOT NULL`,
      [succeeded],
    );
  }
  const failed = [...ids('failure'), ...ids('gone')];
  if (failed.length === 0) return;
  await tx.query(
    `UPDATE webhook_endpoints SET failing_since = $2 WHERE id = ANY ($1::uuid[]) AND failing_since IS NULL`,
    [failed, now],
  );
  const disabled = await tx.query<{ id: string; programId: string; url: string; failingSince: Date; reason: string }>(
    `UPDATE webhook_endpoints e
     SET enabled = false, disabled_at = $4, updated_at = $4,
         disabled_reason = CASE WHEN e.id = ANY ($2::uuid[]) THEN 'the endpoint answered 410 Gone'
                                ELSE 'no successful delivery for 5 days' END
     WHERE e.enabled AND (e.id = ANY ($2::uuid[]) OR (e.id = ANY ($1::uuid[]) AND e.failing_since <= $3))
     RETURNING e.id, e.program_id AS "programId", e.url, e.failing_since AS "failingSince", e.disabled_reason AS reason`,
    [ids('failure'), ids('gone'), new Date(now.getTime() - autoDisableAfterMs), now],
  );
  for (const endpoint of disabled) {
    const [program] = await tx.query<{ id: string; name: string; clockOffsetMs: number }>(
      `SELECT id, name, clock_offset_ms AS "clockOffsetMs" FROM programs WHERE id = $1`,
      [endpoint.programId],
    );
    const instanceClock: Clock = { now: () => now };
    await emitEvent(
      tx,
      { program, occurredAt: programNow(instanceClock, program), now, source: 'webhooks' },
      'endpoint.disabled',
      null,
      {
        endpointId: endpoint.id,
        url: endpoint.url,
        reason: endpoint.reason,
        failingSince: endpoint.failingSince?.toISOString() ?? null,
        disabledAt: now.toISOString(),
      },
    );
  }
}
