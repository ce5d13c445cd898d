-- Rewards (the catalog's offers), their code pools, and vouchers (rewards issued to members).
CREATE TABLE rewards (
  id                    uuid PRIMARY KEY,
  program_id            uuid NOT NULL REFERENCES programs (id),
  name                  text NOT NULL,
  public_name           text,
  description           text,
  image_url             text,
  type                  text NOT NULL CHECK (type IN ('material', 'static_coupon', 'dynamic_coupon', 'conversion_coupon')),
  -- Coupon value of a static coupon (minor units of value_unit); the units-conversion rate of a
  -- conversion coupon: conversion_units units buy conversion_value of coupon value.
  coupon_value          bigint,
  value_unit            text,
  conversion_units      bigint,
  conversion_value      bigint,
  cost                  bigint NOT NULL DEFAULT 0 CHECK (cost >= 0),
  balance_definition_id uuid REFERENCES balance_definitions (id),
  available_from        timestamptz,
  available_until       timestamptz,
  visible               boolean NOT NULL DEFAULT true,
  active                boolean NOT NULL DEFAULT true,
  targeting             jsonb NOT NULL,
  total_limit           integer,
  per_member_limit      integer,
  period_limit          jsonb,
  code_source           text NOT NULL CHECK (code_source IN ('pool', 'pattern')),
  code_pattern          text,
  validity              jsonb,
  activation_delay_days integer NOT NULL DEFAULT 0,
  -- Vouchers issued and not cancelled: the total limit is checked against it under the row lock.
  issued                integer NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL
);
CREATE INDEX rewards_program ON rewards (program_id, id);

-- Codes of a reward: uploaded (a pool, claimed in upload order) or generated from the pattern
-- when a voucher is issued. A code is unique in its program, so a code alone finds its voucher.
CREATE TABLE reward_codes (
  program_id  uuid NOT NULL REFERENCES programs (id),
  reward_id   uuid NOT NULL REFERENCES rewards (id),
  n           bigint GENERATED ALWAYS AS IDENTITY (CACHE 1000),
  code        text NOT NULL,
  voucher_id  uuid,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (program_id, code)
);
CREATE INDEX reward_codes_free ON reward_codes (reward_id, n) WHERE voucher_id IS NULL;

CREATE TABLE vouchers (
  id                     uuid PRIMARY KEY,
  program_id             uuid NOT NULL REFERENCES programs (id),
  reward_id              uuid NOT NULL REFERENCES rewards (id),
  member_id              uuid NOT NULL REFERENCES members (id),
  code                   text NOT NULL,
  status                 text NOT NULL CHECK (status IN ('pending', 'active', 'redeemed', 'expired', 'revoked', 'cancelled')),
  source                 text NOT NULL CHECK (source IN ('purchase', 'admin', 'campaign', 'tier')),
  source_event_id        text,
  campaign_id            uuid,
  cost                   bigint NOT NULL DEFAULT 0,
  balance_definition_id  uuid REFERENCES balance_definitions (id),
  ledger_transaction_id  uuid REFERENCES ledger_transactions (id),
  value                  bigint,
  valid_from             timestamptz NOT NULL,
  expires_at             timestamptz,
  -- Two-phase redemption: pending until completed or cancelled.
  redemption_status      text CHECK (redemption_status IN ('pending', 'completed', 'cancelled')),
  redemption_value       bigint,
  redemption_started_at  timestamptz,
  redeemed_at            timestamptz,
  comment                text,
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL
);
CREATE UNIQUE INDEX vouchers_code ON vouchers (program_id, code);
CREATE INDEX vouchers_program ON vouchers (program_id, id);
CREATE INDEX vouchers_member ON vouchers (program_id, member_id, id);
-- Per-member and per-period limits count a member's vouchers of one reward.
CREATE INDEX vouchers_reward_member ON vouchers (reward_id, member_id, created_at) WHERE status <> 'cancelled';
-- Sweeps: vouchers becoming usable and vouchers expiring, per program and moment.
CREATE INDEX vouchers_due_activation ON vouchers (program_id, valid_from) WHERE status = 'pending';
CREATE INDEX vouchers_due_expiry ON vouchers (program_id, expires_at) WHERE status IN ('pending', 'active');
