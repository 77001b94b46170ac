-- A person releases a withheld automatic reply: the suppressed reply goes back to pending with a deliver job,
-- only if no other reply of the email was delivered, is pending or failed (a failed one can be retried): an
-- email never gets two automatic replies. Returns the effect when released, no row otherwise.
-- $1 effect id, $2 deliver job kind, $3 its max_attempts
WITH released AS (
  UPDATE effects f
  SET state = 'pending', last_error = NULL, attempts = 0, updated_at = now()
  WHERE f.id = $1 AND f.kind = 'reply' AND f.state = 'suppressed'
    AND NOT EXISTS (SELECT 1 FROM effects o WHERE o.email_id = f.email_id AND o.kind = 'reply' AND o.id <> f.id
                      AND o.state IN ('delivered', 'pending', 'failed'))
  RETURNING f.id, f.email_id, f.purpose
), deliver AS (
  INSERT INTO jobs (kind, unique_key, payload, max_attempts)
  SELECT $2::text, $2::text || ':effect:' || id, jsonb_build_object('effect_id', id), $3::int
  FROM released
  -- A withheld reply never had a deliver job; should one be left from an earlier release, run it again.
  ON CONFLICT (unique_key) DO UPDATE SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL,
    updated_at = now()
  WHERE jobs.state IN ('done', 'failed')
)
SELECT id, email_id, purpose FROM released
