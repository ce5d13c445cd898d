import { createHash } from 'node:crypto';
import type { EventContext, MemberSnapshot } from './context.ts';

export const exampleMember: MemberSnapshot = {
  id: '01975a1c-7e2b-7c41-9d3a-5b2f8e6c4a10',
  contactId: 42,
  email: 'jane.doe@example.com',
  phone: '+33612345678',
  cardId: 'ABCDE00045SS125',
  firstName: 'Jane',
  lastName: 'Doe',
  properties: { PREFERRED_STORE: 'Lyon Part-Dieu', NEWSLETTER: true },
  subscriptionId: '2ba00576-a5a9-400d-8b34-1e21xxd3xxd3',
};

export const exampleProgram = { id: '01974f0e-3b1a-7d5e-8c2f-6a9b0c1d2e3f', name: 'VIP Club' };

/** The context catalog examples are built with; each example gets its own stable event id. */
export function exampleContext(
  name: string,
  options: { program?: { id: string; name: string }; member?: MemberSnapshot | null } = {},
): EventContext {
  return {
    eventId: exampleEventId(name),
    occurredAt: new Date('2025-06-10T07:09:01.696Z'),
    program: options.program ?? exampleProgram,
    sequence: 1042,
    member: options.member === undefined ? exampleMember : options.member,
    source: 'api',
  };
}

/** UUIDv7-shaped and derived from the name, so examples (and the generated doc) never change by themselves. */
function exampleEventId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `01975a1c-${hex.slice(0, 4)}-7${hex.slice(4, 7)}-8${hex.slice(7, 10)}-${hex.slice(10, 22)}`;
}
