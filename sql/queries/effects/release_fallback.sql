-- A reply failed for good, or was withheld right before sending (its recipient is suppressed): stores the
-- hand-off it stood for (its `fallback`), with a deliver job each, so that the email still reaches a person.
-- Unique per email and purpose like every effect: a second run adds nothing.
-- Returns the effects stored.
-- $1 effect id (the failed reply), $2 deliver job kind, $3 its max_attempts
WITH failed AS (
  SELECT email_id, fallback FROM effects WHERE id = $1 AND kind = 'reply' AND state IN ('failed', 'suppressed') AND fallback IS NOT NULL
), stored AS (
  INSERT INTO effects (email_id, kind, purpose, idempotency_key, payload, message_id)
  SELECT f.email_id, x.v ->> 'kind', x.v ->> 'purpose', 'email:' || f.email_id || ':' || (x.v ->> 'purpose'),
         x.v -> 'payload',
         CASE WHEN x.v ->> 'kind' IN ('reply', 'forward') THEN x.v -> 'payload' ->> 'message_id' END
  FROM failed f, jsonb_array_elements(f.fallback) WITH ORDINALITY AS x(v, n)
  ORDER BY x.n
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, purpose
), deliver AS (
  INSERT INTO jobs (kind, unique_key, payload, max_attempts)
  SELECT $2::text, $2::text || ':effect:' || id, jsonb_build_object('effect_id', id), $3::int
  FROM stored
  ON CONFLICT (unique_key) DO NOTHING
)
SELECT purpose FROM stored ORDER BY id
