-- The transactional outbox: every event is written in the transaction of the change it reports.
CREATE TABLE events (
  id           uuid PRIMARY KEY,
  program_id   uuid NOT NULL REFERENCES programs (id),
  -- Per-program, gap-free; NULL only for test events sent from the API, which are not part of
  -- the program's history.
  sequence     bigint,
  type         text NOT NULL,
  -- The exact bytes delivered and signed, kept as text so every retry sends the same body.
  body         text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  UNIQUE (program_id, sequence)
);
CREATE INDEX events_program_type ON events (program_id, type, id);

CREATE TABLE webhook_endpoints (
  id                 uuid PRIMARY KEY,
  program_id         uuid NOT NULL REFERENCES programs (id),
  url                text NOT NULL,
  description        text NOT NULL DEFAULT '',
  event_types        text[],                  -- NULL: every event type
  bearer_token       text,
  basic_username     text,
  basic_password     text,
  headers            jsonb NOT NULL DEFAULT '{}',
  timeout_ms         integer NOT NULL,
  max_concurrency    integer NOT NULL,
  secret             text NOT NULL,
  -- Secret rotation: the previous secret keeps signing beside the new one until it expires.
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  enabled            boolean NOT NULL DEFAULT true,
  disabled_reason    text,
  disabled_at        timestamptz,
  -- Start of the current run of failures without a success (auto-disable after days of it).
  failing_since      timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_program ON webhook_endpoints (program_id, id);

-- A message is one event on its way to one endpoint.
CREATE TABLE webhook_messages (
  id               uuid PRIMARY KEY,
  program_id       uuid NOT NULL REFERENCES programs (id),
  endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id         uuid NOT NULL REFERENCES events (id),
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  -- While pending: when the next attempt is due. A worker that claims the message moves it
  -- forward by a lease, so a worker that dies mid-attempt leaves it to be claimed again.
  next_attempt_at  timestamptz,
  next_trigger     text NOT NULL DEFAULT 'scheduled' CHECK (next_trigger IN ('scheduled', 'manual')),
  last_status_code integer,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX webhook_messages_due ON webhook_messages (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, id);
CREATE INDEX webhook_messages_failed ON webhook_messages (endpoint_id, created_at) WHERE status = 'failed';

CREATE TABLE webhook_attempts (
  id             uuid PRIMARY KEY,
  program_id     uuid NOT NULL REFERENCES programs (id),
  message_id     uuid NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
  attempted_at   timestamptz NOT NULL,
  trigger        text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
  status_code    integer,
  duration_ms    integer NOT NULL,
  response_body  text NOT NULL DEFAULT '',
  error          text
);
CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id, id);
