/**
 * Whether a member's scheduled moments speak — their tiers' moves and calendar, their
 * subscription's anniversaries: only an active member's. A member deactivated (or not yet
 * activated, or anonymised) keeps their tiers and calendars as they are, in silence, until active
 * again; the moments passed meanwhile are not caught up. (The ledger refuses their units too.)
 */
export const memberLive = (member: { status: string }) => member.status === 'active';
