-- Purchase transactions (sell and return documents) and earning campaigns with what they applied.
-- Money is in minor units of the document's currency (bigint), never floats.
CREATE TABLE purchase_transactions (
  id                      uuid PRIMARY KEY,
  program_id              uuid NOT NULL REFERENCES programs (id),
  -- Null while the document is anonymous (not matched to a member yet).
  member_id               uuid REFERENCES members (id),
  matched_by              text,
  document_number         text NOT NULL,
  document_type           text NOT NULL CHECK (document_type IN ('sell', 'return')),
  -- A return names the sale it returns.
  returned_transaction_id uuid REFERENCES purchase_transactions (id),
  purchased_at            timestamptz NOT NULL,
  place                   text,
  channel                 text,
  currency                text NOT NULL,
  gross_total             bigint NOT NULL CHECK (gross_total >= 0),
  customer                jsonb NOT NULL DEFAULT '{}',
  items                   jsonb NOT NULL DEFAULT '[]',
  custom_attributes       jsonb NOT NULL DEFAULT '{}',
  -- What a return took back from the units its sale earned, and what it could not.
  take_backs              jsonb NOT NULL DEFAULT '[]',
  source                  text NOT NULL,
  registered_event_id     uuid,
  assigned_event_id       uuid,
  assigned_at             timestamptz,
  created_at              timestamptz NOT NULL
);
CREATE UNIQUE INDEX purchase_transactions_document ON purchase_transactions (program_id, document_number);
CREATE INDEX purchase_transactions_member ON purchase_transactions (program_id, member_id, purchased_at) WHERE member_id IS NOT NULL;
CREATE INDEX purchase_transactions_returned ON purchase_transactions (returned_transaction_id) WHERE returned_transaction_id IS NOT NULL;
CREATE INDEX purchase_transactions_program ON purchase_transactions (program_id, id);

CREATE TABLE campaigns (
  id             uuid PRIMARY KEY,
  program_id     uuid NOT NULL REFERENCES programs (id),
  name           text NOT NULL,
  active         boolean NOT NULL DEFAULT true,
  starts_at      timestamptz,
  ends_at        timestamptz,
  -- Campaigns run in this order; a campaign with stop_further ends the run when it applies.
  position       integer NOT NULL DEFAULT 0,
  target         jsonb NOT NULL,
  trigger        jsonb NOT NULL,
  condition      text,
  effects        jsonb NOT NULL,
  limits         jsonb NOT NULL DEFAULT '{}',
  stop_further   boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX campaigns_program ON campaigns (program_id, position, id);

-- One row each time a campaign applied to a member: its effects and their outcomes. Limits count
-- these rows; a return reads the units its sale's runs awarded.
CREATE TABLE campaign_runs (
  id                       uuid PRIMARY KEY,
  program_id               uuid NOT NULL REFERENCES programs (id),
  campaign_id              uuid NOT NULL REFERENCES campaigns (id),
  member_id                uuid NOT NULL REFERENCES members (id),
  trigger_kind             text NOT NULL,
  purchase_transaction_id  uuid REFERENCES purchase_transactions (id),
  source_event_id          uuid,
  effects                  jsonb NOT NULL,
  applied_at               timestamptz NOT NULL
);
CREATE INDEX campaign_runs_campaign ON campaign_runs (campaign_id, applied_at);
CREATE INDEX campaign_runs_member ON campaign_runs (campaign_id, member_id, applied_at);
CREATE INDEX campaign_runs_purchase ON campaign_runs (purchase_transaction_id) WHERE purchase_transaction_id IS NOT NULL;

-- A return may take back more than a balance holds when its definition allows it: the balance
-- goes negative and `debt` keeps the units owed, so the figures still add up from the lots
-- (available = free units of active lots − debt).
ALTER TABLE balance_definitions ADD COLUMN allow_negative_balance boolean NOT NULL DEFAULT false;
ALTER TABLE balances ADD COLUMN debt bigint NOT NULL DEFAULT 0 CHECK (debt >= 0);
