-- Stores a classification once and enqueues the next stage, in one statement (one round trip, atomic): a
-- second run of the job (after a crash) changes nothing and returns no row.
-- $1 id, $2 intent_flags (JSON text), $3 automated, $4 auto_reply_ok, $5 rule_reasons (JSON text),
-- $6 classifier, $7 classifier_model, $8 classifier_latency_ms, $9 prompt_tokens, $10 completion_tokens,
-- $11 classifier_note, $12 next job kind (or NULL: none), $13 its max_attempts
WITH email AS (
  UPDATE emails
  SET intent_flags = $2::text::jsonb,
      automated = $3,
      auto_reply_ok = $4,
      rule_reasons = $5::text::jsonb,
      classifier = $6,
      classifier_model = $7,
      classifier_latency_ms = $8,
      prompt_tokens = $9,
      completion_tokens = $10,
      classifier_note = $11,
      classified_at = now(),
      updated_at = now()
  WHERE id = $1 AND classified_at IS NULL
  RETURNING id
), job AS (
  INSERT INTO jobs (kind, unique_key, payload, max_attempts)
  SELECT $12::text, $12::text || ':email:' || email.id, jsonb_build_object('email_id', email.id), $13::int
  FROM email
  WHERE $12::text IS NOT NULL
  ON CONFLICT (unique_key) DO NOTHING
)
SELECT id FROM email
