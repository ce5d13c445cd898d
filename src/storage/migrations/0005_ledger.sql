-- The ledger: balance definitions (wallet types), balances made of lots, and the transactions
-- that move them. Amounts are integers in minor units of the definition (bigint), never floats.
CREATE TABLE balance_definitions (
  id                  uuid PRIMARY KEY,
  program_id          uuid NOT NULL REFERENCES programs (id),
  name                text NOT NULL,
  unit                text NOT NULL,
  decimals            integer NOT NULL CHECK (decimals BETWEEN 0 AND 6),
  metadata            jsonb NOT NULL DEFAULT '{}',
  minimum             bigint,
  maximum             bigint,
  maximum_strategy    text NOT NULL CHECK (maximum_strategy IN ('strict', 'partial')),
  credit_cap          bigint,
  debit_cap           bigint,
  credit_rounding     jsonb NOT NULL,
  debit_rounding      jsonb NOT NULL,
  expiry              jsonb NOT NULL,
  pending_days        integer NOT NULL DEFAULT 0,
  velocity_limits     jsonb NOT NULL DEFAULT '[]',
  reminder_days_before integer,
  is_default          boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL
);
CREATE INDEX balance_definitions_program ON balance_definitions (program_id, id);
CREATE UNIQUE INDEX balance_definitions_default ON balance_definitions (program_id) WHERE is_default;

-- One balance per subscription and definition. Its figures are kept with every change of its
-- lots, in the same transaction; `punchcard ledger check` recomputes them from the lots.
CREATE TABLE balances (
  id               uuid PRIMARY KEY,
  program_id       uuid NOT NULL REFERENCES programs (id),
  subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
  definition_id    uuid NOT NULL REFERENCES balance_definitions (id),
  available        bigint NOT NULL DEFAULT 0,
  pending          bigint NOT NULL DEFAULT 0,
  blocked          bigint NOT NULL DEFAULT 0,
  spent            bigint NOT NULL DEFAULT 0,
  expired          bigint NOT NULL DEFAULT 0,
  earned           bigint NOT NULL DEFAULT 0,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  UNIQUE (subscription_id, definition_id)
);
CREATE INDEX balances_program ON balances (program_id, id);

CREATE TABLE ledger_transactions (
  id              uuid PRIMARY KEY,
  program_id      uuid NOT NULL REFERENCES programs (id),
  balance_id      uuid NOT NULL REFERENCES balances (id),
  kind            text NOT NULL CHECK (kind IN ('credit', 'debit', 'block', 'unblock')),
  reason          text NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  status          text NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled', 'expired')),
  -- A credit's units become available at this time (a scheduled credit, or the pending period).
  available_at    timestamptz,
  -- An uncompleted pending transaction expires at this time.
  pending_expires_at timestamptz,
  reverses_id     uuid REFERENCES ledger_transactions (id),
  transfer_id     uuid,
  block_id        uuid REFERENCES ledger_transactions (id),
  comment         text,
  external_ref    text,
  created_at      timestamptz NOT NULL,
  completed_at    timestamptz,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX ledger_transactions_balance ON ledger_transactions (balance_id, id);
CREATE UNIQUE INDEX ledger_transactions_external_ref ON ledger_transactions (program_id, external_ref) WHERE external_ref IS NOT NULL;
-- Velocity limits sum completed transactions of a balance over a window.
CREATE INDEX ledger_transactions_velocity ON ledger_transactions (balance_id, kind, completed_at) WHERE status = 'completed';

-- A lot is what one credit added: consumed soonest-expiring first, expired on its own schedule.
CREATE TABLE lots (
  id              uuid PRIMARY KEY,
  program_id      uuid NOT NULL REFERENCES programs (id),
  balance_id      uuid NOT NULL REFERENCES balances (id),
  transaction_id  uuid NOT NULL REFERENCES ledger_transactions (id),
  amount          bigint NOT NULL CHECK (amount > 0),
  remaining       bigint NOT NULL CHECK (remaining >= 0),
  blocked         bigint NOT NULL DEFAULT 0 CHECK (blocked >= 0 AND blocked <= remaining),
  expired         bigint NOT NULL DEFAULT 0 CHECK (expired >= 0),
  status          text NOT NULL CHECK (status IN ('pending', 'active', 'expired', 'cancelled')),
  available_from  timestamptz NOT NULL,
  expires_at      timestamptz,
  source          text NOT NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX lots_consumption ON lots (balance_id, expires_at, id) WHERE status = 'active';
CREATE INDEX lots_balance ON lots (balance_id, id);
-- Expiry sweeps claim due lots by time.
CREATE INDEX lots_expiry ON lots (program_id, expires_at) WHERE status = 'active' AND expires_at IS NOT NULL;
CREATE INDEX lots_activation ON lots (program_id, available_from) WHERE status = 'pending';

-- Which lots a debit or a block took units from, so a reversal returns them to the same lots.
CREATE TABLE lot_allocations (
  transaction_id  uuid NOT NULL REFERENCES ledger_transactions (id),
  lot_id          uuid NOT NULL REFERENCES lots (id),
  program_id      uuid NOT NULL REFERENCES programs (id),
  amount          bigint NOT NULL CHECK (amount > 0),
  PRIMARY KEY (transaction_id, lot_id)
);
CREATE INDEX lot_allocations_lot ON lot_allocations (lot_id);
