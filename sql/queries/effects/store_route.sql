-- Stores what routing decided, in one statement (atomic): every planned effect, each reply that may go first
-- taking its recipient's reply window (suppressed with reason $8 when a reply went to them less than $7 ms
-- ago; of two emails from one sender routed at once, one wins); the fallback effects (a hand-off) only when a
-- reply ends withheld, so that the email still reaches a person (and kept on each reply that may go, for
-- release_fallback should it fail for good); a deliver job per pending effect; and the
-- email marked routed (mark_email_processed_if_done settles it next, in the same transaction: rows inserted
-- here are not visible to this statement). Effects are unique per email and purpose
-- (`email:<id>:<purpose>`), so a second run doubles nothing. Returns the effects stored.
-- $1 email_id, $2 kinds (text[]), $3 purposes (text[]), $4 payloads (JSON text[]), $5 reasons the policy
-- suppressed them for (text[], NULL where the effect may go), $6 reply recipients (text[], NULL where no
-- reply window applies), $7 reply window in milliseconds, $8 the reason of a reply the window stops,
-- $9 deliver job kind, $10 its max_attempts, $11 fallbacks (boolean[]: stored only when a reply is withheld),
-- $12 why a follow-up is closed without a hand-off (NULL when it is not)
WITH planned AS (
  SELECT *
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $11::text[]::boolean[])
       WITH ORDINALITY AS p(kind, purpose, payload, reason, recipient, fallback, n)
), windows AS (
  INSERT INTO reply_windows AS w (recipient, last_reply_at, email_id)
  SELECT DISTINCT recipient, now(), $1::int FROM planned WHERE recipient IS NOT NULL AND reason IS NULL AND NOT fallback
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
  WHERE NOT p.fallback
), chosen AS (
  SELECT kind, purpose, payload, n, reason FROM decided
  UNION ALL
  SELECT kind, purpose, payload, n, NULL FROM planned
  WHERE fallback AND EXISTS (SELECT 1 FROM decided WHERE kind = 'reply' AND reason IS NOT NULL)
), stored AS (
  INSERT INTO effects (email_id, kind, purpose, idempotency_key, payload, state, last_error, message_id, fallback)
  SELECT $1::int, kind, purpose, 'email:' || $1::int || ':' || purpose, payload::jsonb,
         CASE WHEN reason IS NULL THEN 'pending' ELSE 'suppressed' END, reason,
         CASE WHEN kind IN ('reply', 'forward') THEN payload::jsonb ->> 'message_id' END,
         CASE WHEN kind = 'reply' AND reason IS NULL THEN
           (SELECT jsonb_agg(jsonb_build_object('kind', f.kind, 'purpose', f.purpose, 'payload', f.payload::jsonb)
                             ORDER BY f.n)
            FROM planned f WHERE f.fallback)
         END
  FROM chosen
  ORDER BY n
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, purpose, state, last_error
), deliver AS (
  INSERT INTO jobs (kind, unique_key, payload, max_attempts)
  SELECT $9::text, $9::text || ':effect:' || id, jsonb_build_object('effect_id', id), $10::int
  FROM stored
  WHERE state = 'pending'
  ON CONFLICT (unique_key) DO NOTHING
), routed AS (
  UPDATE emails e
  SET routed_at = now(), updated_at = now(), closed_reason = $12::text
  WHERE e.id = $1::int AND e.routed_at IS NULL
)
SELECT purpose, state, last_error AS reason FROM stored ORDER BY id
