-- A debit reads a balance's active lots in its spending order (soonest expiry first, never
-- expiring last, then oldest): an index in exactly that order lets it stop after the first lots
-- that cover the amount instead of sorting every lot the balance ever had. Its first entries also
-- give the earliest expiry of the active lots; the second index, that of the pending ones.
CREATE INDEX lots_spending_order ON lots (balance_id, expires_at, created_at, id) WHERE status = 'active';
DROP INDEX lots_consumption;
CREATE INDEX lots_pending_balance ON lots (balance_id, expires_at) WHERE status = 'pending';
