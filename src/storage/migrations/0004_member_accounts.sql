-- Member accounts: passwords, activation, sessions, households, and identifiers whose
-- uniqueness each program configures (so uniqueness is checked by the service under an
-- advisory lock instead of by unique indexes).
DROP INDEX members_email;
DROP INDEX members_phone;
DROP INDEX members_card;
CREATE INDEX members_email ON members (program_id, email_normalized) WHERE email_normalized IS NOT NULL;
CREATE INDEX members_phone ON members (program_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX members_card ON members (program_id, card_id) WHERE card_id IS NOT NULL;
CREATE INDEX members_contact ON members (program_id, contact_id);

ALTER TABLE members
  ADD COLUMN password_hash   text,
  ADD COLUMN failed_logins   integer NOT NULL DEFAULT 0,
  ADD COLUMN locked_until    timestamptz,
  ADD COLUMN activated_at    timestamptz,
  ADD COLUMN deactivated_at  timestamptz;

-- Single-use secrets sent to a member through the business: activation codes, reset tokens.
-- Only a hash is kept.
CREATE TABLE member_codes (
  id               uuid PRIMARY KEY,
  program_id       uuid NOT NULL REFERENCES programs (id),
  member_id        uuid NOT NULL REFERENCES members (id),
  purpose          text NOT NULL CHECK (purpose IN ('activation', 'password_reset')),
  code_hash        bytea NOT NULL,
  expires_at       timestamptz NOT NULL,
  failed_attempts  integer NOT NULL DEFAULT 0,
  used_at          timestamptz,
  created_at       timestamptz NOT NULL
);
CREATE INDEX member_codes_member ON member_codes (member_id, purpose, created_at);
CREATE INDEX member_codes_hash ON member_codes (program_id, purpose, code_hash);

-- Member self-service sessions: short-lived bearer tokens, stored as hashes.
CREATE TABLE member_sessions (
  id          uuid PRIMARY KEY,
  program_id  uuid NOT NULL REFERENCES programs (id),
  member_id   uuid NOT NULL REFERENCES members (id),
  token_hash  bytea NOT NULL UNIQUE,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX member_sessions_member ON member_sessions (member_id);

-- Extra members sharing a subscription's balances (a household).
CREATE TABLE subscription_members (
  id               uuid PRIMARY KEY,
  program_id       uuid NOT NULL REFERENCES programs (id),
  subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
  member_id        uuid NOT NULL REFERENCES members (id),
  added_at         timestamptz NOT NULL,
  removed_at       timestamptz
);
CREATE UNIQUE INDEX subscription_members_current ON subscription_members (program_id, member_id) WHERE removed_at IS NULL;
CREATE INDEX subscription_members_subscription ON subscription_members (subscription_id, id);

CREATE INDEX subscriptions_member ON subscriptions (program_id, member_id);
