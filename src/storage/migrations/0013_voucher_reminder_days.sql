-- The days-before of a voucher's expiry reminder, fixed when it is issued (the program's
-- expiringNotifications.couponsDaysBefore then; NULL: no reminder). Vouchers sharing an expiry
-- moment may have been issued under different settings: each reminder job, keyed by (moment,
-- days-before), sweeps only the vouchers of its own days-before.
ALTER TABLE vouchers ADD COLUMN reminder_days_before integer;

-- Until now a reminder job was keyed by its moment alone: the one still pending for a moment is
-- the reminder of every unused voucher expiring then.
UPDATE vouchers v SET reminder_days_before = (j.payload->>'daysBefore')::int
FROM scheduled_jobs j
WHERE j.program_id = v.program_id AND j.kind = 'rewards.remind-vouchers'
  AND j.dedupe_key = 'rewards.remind-vouchers:' || (j.payload->>'expiresAt')
  AND (j.payload->>'expiresAt')::timestamptz = v.expires_at AND v.status IN ('pending', 'active');

-- Those jobs take the key new reminders use, so a voucher issued now with the same days-before
-- joins its job instead of scheduling a second reminder of the same vouchers.
UPDATE scheduled_jobs SET dedupe_key = dedupe_key || ':' || (payload->>'daysBefore')
WHERE kind = 'rewards.remind-vouchers' AND dedupe_key = 'rewards.remind-vouchers:' || (payload->>'expiresAt');
