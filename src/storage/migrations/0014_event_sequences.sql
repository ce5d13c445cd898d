-- A program's event counter moves to a row of its own. Every commit that wrote events updates
-- the counter (migration 0010), and every row a program owns is checked against its program row
-- (foreign keys take FOR KEY SHARE): kept on the program row, the counter made that row a long
-- chain of versions, each insert's check walked it, and shared locks met the counter's update.
-- Apart, the program row stays still and the counter row is touched by numbering alone.
CREATE TABLE event_sequences (
  program_id     uuid PRIMARY KEY REFERENCES programs (id),
  -- Last sequence number handed to one of the program's events (gap-free per program).
  last_sequence  bigint NOT NULL
);
INSERT INTO event_sequences (program_id, last_sequence) SELECT id, event_sequence FROM programs;
ALTER TABLE programs DROP COLUMN event_sequence;

CREATE OR REPLACE FUNCTION number_event_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  next bigint;
BEGIN
  UPDATE event_sequences SET last_sequence = last_sequence + 1 WHERE program_id = NEW.program_id RETURNING last_sequence INTO next;
  UPDATE events SET sequence = next, body = replace(body, '"sequence":9007199254740991', '"sequence":' || next)
  WHERE id = NEW.id;
  RETURN NULL;
END
$$;
