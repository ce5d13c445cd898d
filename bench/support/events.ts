import type { MemberSnapshot } from '../../src/events/catalog.ts';
import { emitEvent, type EmitContext } from '../../src/outbox/emit.ts';
import type { Queryable } from '../../src/storage/db.ts';

/** A realistic Brevo-family event (one that member enrolment emits), about 600 bytes on the wire. */
export function emitSubscriptionCreated(tx: Queryable, ctx: EmitContext, n: number) {
  const member: MemberSnapshot = {
    id: '01960000-0000-7000-8000-' + String(n).padStart(12, '0'),
    contactId: n + 1,
    email: `member${n}@example.com`,
    phone: null,
    cardId: `CARD-${n}`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    properties: { tier_hint: 'gold' },
    subscriptionId: `sub-${n}`,
  };
  return emitEvent(tx, ctx, 'subscription_created', member, {
    created_at: ctx.occurredAt.toISOString(),
    loyalty_program: ctx.program,
    loyalty_subscription_id: `sub-${n}`,
  });
}
