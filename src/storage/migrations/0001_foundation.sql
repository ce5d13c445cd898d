-- Programs are the tenant boundary: every program-owned table carries program_id.
CREATE TABLE programs (
  id               uuid PRIMARY KEY,
  name             text NOT NULL,
  timezone         text NOT NULL,
  settings         jsonb NOT NULL DEFAULT '{}',
  -- Sandbox time travel: the program's clock is the instance clock plus this offset.
  clock_offset_ms  bigint NOT NULL DEFAULT 0 CHECK (clock_offset_ms >= 0),
  -- Last sequence number handed to one of the program's events (gap-free per program).
  event_sequence   bigint NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);

-- API keys are shown once and stored only as a SHA-256 of the whole random key.
CREATE TABLE api_keys (
  id          uuid PRIMARY KEY,
  program_id  uuid REFERENCES programs (id),   -- NULL: an admin key of the instance
  name        text NOT NULL,
  prefix      text NOT NULL,                   -- first characters, to recognise a key in lists
  key_hash    bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX api_keys_program ON api_keys (program_id, id);

-- One-time facts about this installation (e.g. the bootstrap admin key was printed).
CREATE TABLE instance_facts (
  name        text PRIMARY KEY,
  recorded_at timestamptz NOT NULL
);

-- Idempotency-Key records: the first answer to a POST, replayed for a repeat with the same body.
CREATE TABLE idempotency_records (
  scope          text NOT NULL,        -- 'program:<id>' or 'admin'
  key            text NOT NULL,
  request_hash   text NOT NULL,
  status_code    integer,              -- NULL while the first request is still running
  response_body  text,
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_records_created ON idempotency_records (created_at);

-- Due work: expiries, reminders, anniversaries, time-outs. Claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE scheduled_jobs (
  id          uuid PRIMARY KEY,
  program_id  uuid NOT NULL REFERENCES programs (id),
  kind        text NOT NULL,
  run_at      timestamptz NOT NULL,           -- in the program's clock
  payload     jsonb NOT NULL DEFAULT '{}',
  -- Lets a use case replace its own pending job (e.g. one expiry job per lot).
  dedupe_key  text,
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text,
  created_at  timestamptz NOT NULL
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (program_id, run_at);
CREATE UNIQUE INDEX scheduled_jobs_dedupe ON scheduled_jobs (program_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
