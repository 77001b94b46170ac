-- 0003_actions: the outbox of effects (replies, forwards, webhooks), the per-sender reply window, and the
-- global send rate.

-- Every effect a handler decided, written in the routing transaction and delivered by its own `deliver` job.
-- `suppressed` rows record replies the policy withheld (automated mail, unsafe mail, the sender window), so a
-- person can see why no reply went out.
CREATE TABLE effects (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email_id        integer NOT NULL REFERENCES emails (id),
  kind            text NOT NULL CHECK (kind IN ('reply', 'forward', 'webhook')),
  -- What it is for: send_info_reply, signup_reply, ack_reply, crm_task, human_forward, escalation, triage, …
  purpose         text NOT NULL,
  -- One effect per email and purpose, whatever crashes and retries happen: `email:<id>:<purpose>`.
  idempotency_key text NOT NULL UNIQUE,
  payload         jsonb NOT NULL,
  state           text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'delivered', 'failed', 'suppressed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz
);
CREATE INDEX effects_email_idx ON effects (email_id);
CREATE INDEX effects_open_idx ON effects (state) WHERE state IN ('pending', 'failed');

-- At most one automatic reply per recipient per window (RFC 3834 and Sieve vacation's :days). Claimed with
-- INSERT … ON CONFLICT DO UPDATE … WHERE the window has passed: atomic across workers and instances.
CREATE TABLE reply_windows (
  recipient     text PRIMARY KEY,
  last_reply_at timestamptz NOT NULL,
  email_id      integer NOT NULL REFERENCES emails (id)
);

-- The global send rate (SES's per-second quota): each send reserves the next free slot on this one row.
CREATE TABLE send_rate (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  next_at timestamptz NOT NULL
);
INSERT INTO send_rate (next_at) VALUES (now());

ALTER TABLE emails
  ADD COLUMN routed_at timestamptz,
  ADD COLUMN processed_at timestamptz;
