-- Creates the email of a delivery, links the delivery to it and enqueues the next stage, in one statement
-- (one round trip, atomic). Nothing happens when the delivery's content key is stored already: the same
-- message delivered again (SES runs every matching receipt rule, so one message can arrive twice under two
-- keys). The key is the delivery's (0007_ingest_identity); one stored before it has none, and its Message-ID
-- stands in, as emails of that time have it.
-- $1 message_id, $2 sender, $3 subject, $4 body, $5 raw_id, $6 message_id_generated, $7 sender_name,
-- $8 reply_to, $9 recipients (JSON text), $10 in_reply_to, $11 references, $12 sent_at, $13 body_html,
-- $14 headers (JSON text), $15 attachments (JSON text), $16 size_bytes, $17 parse_error, $18 received_at,
-- $19 next job kind (or NULL: none), $20 its max_attempts
WITH email AS (
  INSERT INTO emails (message_id, sender, subject, body, raw_id, message_id_generated, sender_name, reply_to,
                      recipients, in_reply_to, "references", sent_at, body_html, headers, attachments,
                      size_bytes, parse_error, received_at, content_key)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12, $13, $14::text::jsonb,
          $15::text::jsonb, $16, $17, $18,
          (SELECT coalesce(r.content_key, 'message-id:' || $1) FROM raw_messages r WHERE r.id = $5))
  ON CONFLICT DO NOTHING
  RETURNING id
), link AS (
  UPDATE raw_messages AS r SET email_id = email.id FROM email WHERE r.id = $5
), job AS (
  INSERT INTO jobs (kind, unique_key, payload, max_attempts)
  SELECT $19::text, $19::text || ':email:' || email.id, jsonb_build_object('email_id', email.id), $20::int
  FROM email
  WHERE $19::text IS NOT NULL
  ON CONFLICT (unique_key) DO NOTHING
)
SELECT id FROM email
