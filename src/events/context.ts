/** The member an event is about, as it was when the event happened. */
export interface MemberSnapshot {
  id: string;
  contactId: number;
  email: string | null;
  phone: string | null;
  cardId: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Custom attributes, sent to Brevo-family receivers as contact properties. */
  properties?: Record<string, string | number | boolean | null>;
  subscriptionId?: string | null;
}

/** Everything the envelope needs that is not the event's own fields; filled by the outbox. */
export interface EventContext {
  eventId: string;
  occurredAt: Date;
  program: { id: string; name: string };
  sequence: number;
  member: MemberSnapshot | null;
  /** What initiated the change: 'api', 'admin', 'member', 'scheduler', 'campaign', 'import'. */
  source: string;
}
