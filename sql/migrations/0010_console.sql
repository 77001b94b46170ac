-- The review console (issue 16): people see each decision, correct it, mark hand-offs handled; each action is
-- audited, and each correction or confirmation kept as a labelled example.

-- A hand-off a person has dealt with leaves "Needs a person". Who and when (the audit row says why).
ALTER TABLE emails
  ADD COLUMN handled_at timestamptz,
  ADD COLUMN handled_by text,
  -- How many times a person corrected the intent: the suffix of the re-routed effects' purposes
  -- (`triage_forward.c1`), so that their idempotency keys (`email:<id>:<purpose>`) stay unique per routing.
  ADD COLUMN corrections integer NOT NULL DEFAULT 0 CHECK (corrections >= 0);

-- "Needs a person": not handled, oldest first. Partial, so it stays as small as the backlog.
CREATE INDEX emails_needs_person_idx ON emails (id)
  WHERE handled_at IS NULL AND disposition IN ('with_person', 'pending');
-- "Problems": parse errors are rare; found without reading every email.
CREATE INDEX emails_parse_error_idx ON emails (id) WHERE parse_error IS NOT NULL;
-- "Withheld": the emails with a suppressed reply, found without reading every effect.
CREATE INDEX effects_suppressed_reply_idx ON effects (email_id) WHERE kind = 'reply' AND state = 'suppressed';

-- Console sessions, in the database so that a `console` process and a restarted daemon share them. `id_hash`
-- is the SHA-256 of the cookie's random id: a copy of this table opens no session.
CREATE TABLE console_sessions (
  id_hash    text PRIMARY KEY,
  user_name  text NOT NULL,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry_idx ON console_sessions (expires_at);

-- Every action a person took (console or CLI): who, when, what, on which email, and their note.
CREATE TABLE audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email_id   integer REFERENCES emails (id),
  actor      text NOT NULL,
  action     text NOT NULL,
  detail     text NOT NULL DEFAULT '',
  note       text,
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_email_idx ON audit_log (email_id, id);

-- Labelled examples: a correction (the intent a person set, and the one it replaced) or a confirmation (an
-- email marked handled without a correction, or corrected to the intent it had). Learning reads them later.
CREATE TABLE labels (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email_id        integer NOT NULL REFERENCES emails (id),
  intent          text NOT NULL CHECK (intent IN ('send_info', 'create_account', 'unknown', 'speak_to_human', 'reserved')),
  previous_intent text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('correction', 'confirmation')),
  actor           text NOT NULL,
  note            text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX labels_email_idx ON labels (email_id, id);
