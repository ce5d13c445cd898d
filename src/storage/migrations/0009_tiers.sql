-- Tier groups (e.g. "Medal"), their tiers, each member's tier per group, and program recalculations.
CREATE TABLE tier_groups (
  id                uuid PRIMARY KEY,
  program_id        uuid NOT NULL REFERENCES programs (id),
  name              text NOT NULL,
  upgrade_strategy  jsonb NOT NULL,
  downgrade_strategy jsonb NOT NULL,
  downgrade_resets  jsonb NOT NULL DEFAULT '[]',
  anniversary_reminder_days_before integer,
  -- Whether a balance change must recalculate the group at once (an upgrade or downgrade strategy
  -- is real time): the ledger's hook reads only these rows.
  realtime          boolean NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
CREATE INDEX tier_groups_program ON tier_groups (program_id, id);
CREATE INDEX tier_groups_realtime ON tier_groups (program_id) WHERE realtime;

CREATE TABLE tiers (
  id                uuid PRIMARY KEY,
  program_id        uuid NOT NULL REFERENCES programs (id),
  group_id          uuid NOT NULL REFERENCES tier_groups (id),
  name              text NOT NULL,
  position          integer NOT NULL,
  is_default        boolean NOT NULL DEFAULT false,
  conditions        jsonb NOT NULL DEFAULT '[]',
  conditions_match  text NOT NULL CHECK (conditions_match IN ('all', 'any')),
  rewards_on_entry  jsonb NOT NULL DEFAULT '[]',
  metadata          jsonb NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  UNIQUE (group_id, position)
);
CREATE UNIQUE INDEX tiers_default ON tiers (group_id) WHERE is_default;
CREATE INDEX tiers_program ON tiers (program_id, group_id);

-- A member's tier in a group (the tier association). The due columns are the member's next
-- moments; each moment has one sweep job per program, which takes every row due by then.
CREATE TABLE member_tiers (
  program_id        uuid NOT NULL REFERENCES programs (id),
  member_id         uuid NOT NULL REFERENCES members (id),
  group_id          uuid NOT NULL REFERENCES tier_groups (id),
  tier_id           uuid NOT NULL REFERENCES tiers (id),
  manual            boolean NOT NULL DEFAULT false,
  attributed_at     timestamptz NOT NULL,
  review_at         timestamptz,
  review_reminder_at timestamptz,
  tier_reminder_at  timestamptz,
  month_anniversary_at timestamptz,
  updated_at        timestamptz NOT NULL,
  PRIMARY KEY (program_id, member_id, group_id)
);
CREATE INDEX member_tiers_review ON member_tiers (program_id, review_at) WHERE review_at IS NOT NULL;
CREATE INDEX member_tiers_review_reminder ON member_tiers (program_id, review_reminder_at) WHERE review_reminder_at IS NOT NULL;
CREATE INDEX member_tiers_tier_reminder ON member_tiers (program_id, tier_reminder_at) WHERE tier_reminder_at IS NOT NULL;
CREATE INDEX member_tiers_month ON member_tiers (program_id, month_anniversary_at) WHERE month_anniversary_at IS NOT NULL;

-- An admin's recalculation of a whole program, done in batches; the cursor makes it resumable.
CREATE TABLE tier_recalculations (
  id            uuid PRIMARY KEY,
  program_id    uuid NOT NULL REFERENCES programs (id),
  status        text NOT NULL CHECK (status IN ('running', 'completed')),
  after_member_id uuid,
  total         integer NOT NULL,
  processed     integer NOT NULL DEFAULT 0,
  changed       integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  completed_at  timestamptz
);
CREATE INDEX tier_recalculations_program ON tier_recalculations (program_id, id);
