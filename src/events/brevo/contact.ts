import type { MemberSnapshot } from '../context.ts';

/** Brevo's standard contact attribute names, so receivers can copy them into a Brevo contact as is. */
export function contactProperties(member: MemberSnapshot): Record<string, string | number | boolean | null> {
  return {
    ...member.properties,
    FIRSTNAME: member.firstName,
    LASTNAME: member.lastName,
    EMAIL: member.email,
    SMS: member.phone,
  };
}

/** Brevo identifier names; the loyalty card number is the member's id in the business's own systems. */
export function contactIdentifiers(member: MemberSnapshot): Record<string, string> {
  const identifiers: Record<string, string> = {};
  if (member.email) identifiers.email_id = member.email;
  if (member.phone) identifiers.phone_id = member.phone;
  if (member.cardId) identifiers.ext_id = member.cardId;
  if (member.subscriptionId) identifiers.loyalty_subscription_id = member.subscriptionId;
  return identifiers;
}
