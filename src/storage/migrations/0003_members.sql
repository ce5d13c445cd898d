-- Members and their subscriptions (enrolments). Contact ids are the numeric ids Brevo-style
-- payloads carry (`contact_id`, `member_id`).
CREATE SEQUENCE member_contact_ids;

CREATE TABLE members (
  id                 uuid PRIMARY KEY,
  program_id         uuid NOT NULL REFERENCES programs (id),
  contact_id         bigint NOT NULL UNIQUE DEFAULT nextval('member_contact_ids'),
  status             text NOT NULL CHECK (status IN ('new', 'active', 'inactive', 'anonymised')),
  email              text,
  email_normalized   text,
  phone              text,
  card_id            text,
  first_name         text,
  last_name          text,
  birth_date         date,
  custom_attributes  jsonb NOT NULL DEFAULT '{}',
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX members_program ON members (program_id, id);
CREATE UNIQUE INDEX members_email ON members (program_id, email_normalized) WHERE email_normalized IS NOT NULL;
CREATE UNIQUE INDEX members_phone ON members (program_id, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX members_card ON members (program_id, card_id) WHERE card_id IS NOT NULL;

CREATE TABLE subscriptions (
  id                       uuid PRIMARY KEY,
  program_id               uuid NOT NULL REFERENCES programs (id),
  member_id                uuid NOT NULL REFERENCES members (id),
  loyalty_subscription_id  text NOT NULL,
  status                   text NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at               timestamptz NOT NULL,
  revoked_at               timestamptz
);
CREATE UNIQUE INDEX subscriptions_external_id ON subscriptions (program_id, loyalty_subscription_id);
CREATE UNIQUE INDEX subscriptions_member_active ON subscriptions (program_id, member_id) WHERE status = 'active';
