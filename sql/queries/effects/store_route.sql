-- Stores what routing decided, in one statement (one round trip, atomic): every planned effect, each reply
-- that may go first taking its recipient's reply window (suppressed with reason $8 when a reply went to them
-- less than $7 ms ago; of two emails from one sender routed at once, one wins); a deliver job per pending
-- effect; and the email marked routed, and processed when nothing is left to deliver. Effects are unique per
-- email and purpose (`email:<id>:<purpose>`), so a second run doubles nothing. Returns the effects stored.
-- $1 email_id, $2 kinds (text[]), $3 purposes (text[]), $4 payloads (JSON text[]), $5 reasons the policy
-- suppressed them for (text[], NULL where the effect may go), $6 reply recipients (text[], NULL where no
-- reply window applies), $7 reply window in milliseconds, $8 the reason of a reply the window stops,
-- $9 deliver job kind, $10 its max_attempts
WITH planned AS (
  SELECT *
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       WITH ORDINALITY AS p(kind, purpose, payload, reason, recipient, n)
), windows AS (
  INSERT INTO reply_windows AS w (recipient, last_reply_at, email_id)
  SELECT DISTINCT recipient, now(), $1::int FROM planned WHERE recipient IS NOT NULL AND reason IS NULL
  ON CONFLICT (recipient) DO UPDATE
  SET last_reply_at = now(), email_id = excluded.email_id
  WHERE w.last_reply_at < now() - make_interval(secs => $7 / 1000.0) OR w.email_id = excluded.email_id
  RETURNING recipient
), decided AS (
  SELECT p.kind, p.purpose, p.payload, p.n,
         CASE WHEN p.reason IS NULL AND p.recipient IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM windows w WHERE w.recipient = p.recipient)
              THEN $8::text
              ELSE p.reason END AS reason
  FROM planned p
), stored AS (
  INSERT INTO effects (email_id, kind, purpose, idempotency_key, payload, state, last_error)
  SELECT $1::int, kind, purpose, 'email:' || $1::int || ':' || purpose, payload::jsonb,
         CASE WHEN reason IS NULL THEN 'pending' ELSE 'suppressed' END, reason
  FROM decided
  ORDER BY n
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, purpose, state, last_error
), deliver AS (
  INSERT INTO jobs (kind, unique_key, payload, max_attempts)
  SELECT $9::text, $9::text || ':effect:' || id, jsonb_build_object('effect_id', id), $10::int
  FROM stored
  WHERE state = 'pending'
  ON CONFLICT (unique_key) DO NOTHING
), done AS (
  -- The effects inserted above are not visible to a subquery of this statement: count them apart.
  SELECT NOT EXISTS (SELECT 1 FROM stored WHERE state = 'pending')
         AND NOT EXISTS (SELECT 1 FROM effects f WHERE f.email_id = $1::int AND f.state = 'pending') AS v
), routed AS (
  UPDATE emails e
  SET routed_at = now(),
      updated_at = now(),
      processed = done.v,
      processed_at = CASE WHEN done.v THEN now() END
  FROM done
  WHERE e.id = $1::int AND e.routed_at IS NULL
)
SELECT purpose, state, last_error AS reason FROM stored ORDER BY id
