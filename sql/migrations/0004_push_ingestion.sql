-- 0004_push_ingestion: verdicts from SES notifications (SQS, SNS over HTTPS), and notifications that could not
-- become a message (not an SES notification, object missing), kept with the reason.

ALTER TABLE raw_messages ADD COLUMN verdicts jsonb;

CREATE TABLE source_errors (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source      text NOT NULL,
  -- The SQS message id or SNS MessageId: a redelivered bad message is recorded once.
  external_id text NOT NULL,
  reason      text NOT NULL,
  -- The notification as received (at most 64 KB), for a person to look at.
  body        text,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id)
);
