-- SES sending feedback (issue 17): bounces, complaints and deliveries of the mail we send, and the suppression
-- list they feed. SES reviews an account at 5% bounces or 0.1% complaints and pauses sending beyond.

-- The id SES's SendEmail returned for the effect (`mail.messageId` in every notification about it), so that
-- each notification links to the reply or forward it is about.
ALTER TABLE effects ADD COLUMN ses_message_id text;
CREATE INDEX effects_ses_message_id_idx ON effects (ses_message_id) WHERE ses_message_id IS NOT NULL;

-- One row per notification and recipient. feedback_id is SES's feedbackId and the address (bounces,
-- complaints), or `delivery:<mail.messageId>:<address>` (deliveries have no feedbackId): SNS and SQS deliver
-- at least once, and a repeat finds its row and changes nothing.
CREATE TABLE feedback (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feedback_id    text NOT NULL UNIQUE,
  kind           text NOT NULL CHECK (kind IN ('bounce', 'complaint', 'delivery')),
  recipient      text NOT NULL,
  -- Bounces: Permanent, Transient, Undetermined.
  bounce_type    text,
  -- Bounces: bounceSubType (General, NoEmail, MailboxFull, …); complaints: the feedback type (abuse, …).
  sub_type       text,
  -- The remote server's words (diagnosticCode, smtpResponse), cut to 1,000 characters.
  detail         text,
  ses_message_id text NOT NULL,
  -- Our effect that SES sent as ses_message_id; NULL for mail this database did not send.
  effect_id      bigint REFERENCES effects (id),
  -- sqs, sns or file.
  source         text NOT NULL,
  -- The SES notification as it came (without its SNS envelope).
  raw            jsonb NOT NULL,
  -- When it happened by SES's clock (the bounce, complaint or delivery timestamp), when given.
  occurred_at    timestamptz,
  received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_recipient_idx ON feedback (recipient, received_at);
CREATE INDEX feedback_effect_idx ON feedback (effect_id) WHERE effect_id IS NOT NULL;

-- Addresses no automatic reply goes to. address: normalised (trimmed, lower case).
CREATE TABLE suppressions (
  address          text PRIMARY KEY CHECK (address = lower(btrim(address)) AND address <> ''),
  reason           text NOT NULL,
  -- complaint, permanent_bounce, soft_bounces, or manual (`suppressions add`).
  source           text NOT NULL CHECK (source IN ('complaint', 'permanent_bounce', 'soft_bounces', 'manual')),
  -- Feedback counted for the address since it was suppressed (the one that suppressed it included).
  bounces          integer NOT NULL DEFAULT 0 CHECK (bounces >= 0),
  complaints       integer NOT NULL DEFAULT 0 CHECK (complaints >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  note             text
);
