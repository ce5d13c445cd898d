-- A program's events are numbered when their transaction commits, not when they are written:
-- the program's sequence row is then locked only for the commit itself, instead of from the
-- first event to the COMMIT with client round trips in between, which serialised every write of
-- a program. An event written with a NULL sequence and the stand-in `"sequence":9007199254740991`
-- in its body (src/outbox/emit.ts) is numbered by this deferred trigger: in the order the events
-- were written, gap-free, in commit order (the row lock is held until the commit ends), its body
-- given the number. Test events (NULL sequence, no stand-in) are left alone; events numbered
-- when written (sweeps: src/outbox/emit.ts `numberNow`) too.
CREATE FUNCTION number_event_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  next bigint;
BEGIN
  UPDATE programs SET event_sequence = event_sequence + 1 WHERE id = NEW.program_id RETURNING event_sequence INTO next;
  UPDATE events SET sequence = next, body = replace(body, '"sequence":9007199254740991', '"sequence":' || next)
  WHERE id = NEW.id;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER events_numbered_at_commit AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.sequence IS NULL AND strpos(NEW.body, '"sequence":9007199254740991') > 0)
  EXECUTE FUNCTION number_event_at_commit();
