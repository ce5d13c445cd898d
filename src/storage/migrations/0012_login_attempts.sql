-- Member login attempts per client address and program, in fixed one-minute windows. Kept in the
-- database so that every API process counts against the same limit.
CREATE TABLE login_attempts (
  program_id    uuid NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
  client        text NOT NULL,
  window_start  timestamptz NOT NULL,
  attempts      integer NOT NULL,
  PRIMARY KEY (program_id, client)
);
CREATE INDEX login_attempts_window ON login_attempts (program_id, window_start);
