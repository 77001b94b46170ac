-- 0007_ingest_identity: an email is identified by its content, not by its Message-ID alone. Any sender can
-- reuse a Message-ID; a second sender's request under one was linked as a duplicate and got neither reply
-- nor hand-off. `content_key` (src/mail/content_key.ts) hashes the author's headers (Message-ID, From, Date,
-- Subject, …) and the body, ignoring the trace headers relays add, so one message delivered twice (two
-- receipt rules, an MTA's retry) is still one email, and different messages are never merged.

-- Computed at ingest; NULL for deliveries stored before this migration (then the Message-ID stands in).
ALTER TABLE raw_messages ADD COLUMN content_key text;

-- Emails stored before this migration keep their Message-ID as identity: a late duplicate of one of them is
-- still recognised as before.
ALTER TABLE emails ADD COLUMN content_key text;
UPDATE emails SET content_key = 'message-id:' || message_id;
ALTER TABLE emails ALTER COLUMN content_key SET NOT NULL;
ALTER TABLE emails ADD CONSTRAINT emails_content_key_key UNIQUE (content_key);
ALTER TABLE emails DROP CONSTRAINT emails_message_id_key;
-- Message-IDs are still looked up (threads, operators).
CREATE INDEX emails_message_id_idx ON emails (message_id);
