-- The rows every ledger movement writes stop re-checking keys that the statement writing them
-- already guarantees. Each foreign-key check is a trigger running a query of its own, and the
-- check of program_id takes a shared lock on the program's row that every concurrent writer of the
-- program takes too: about ten checks per movement, a large share of its database work beside the
-- rows and their index entries.
--
-- What still guards these rows: programs are never deleted; each row keeps its checked key to the
-- balance, lot, transaction or endpoint it belongs to, whose own program_id is checked; the
-- services copy program_id from the program row they read in the same transaction.
ALTER TABLE events DROP CONSTRAINT events_program_id_fkey;
ALTER TABLE webhook_messages DROP CONSTRAINT webhook_messages_program_id_fkey;
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_program_id_fkey;
ALTER TABLE lots DROP CONSTRAINT lots_program_id_fkey;
ALTER TABLE lot_allocations DROP CONSTRAINT lot_allocations_program_id_fkey;
-- A message is written by the statement that writes its event (or, for a manual resend, for an
-- event read in the same transaction), and events are never deleted.
ALTER TABLE webhook_messages DROP CONSTRAINT webhook_messages_event_id_fkey;
-- No query reads events by program and type (they are read by id, from their messages, and by
-- program and sequence, which the unique key serves): the index only cost every event an entry.
DROP INDEX events_program_type;
