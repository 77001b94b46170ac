-- Takes the recipient's reply window for this email, unless a reply went to them less than $3 ms ago.
-- Returns a row when the reply may go. Atomic: of two emails from one sender routed at once, one wins.
-- $1 recipient, $2 email_id, $3 window in milliseconds
INSERT INTO reply_windows AS w (recipient, last_reply_at, email_id)
VALUES ($1, now(), $2)
ON CONFLICT (recipient) DO UPDATE
SET last_reply_at = now(), email_id = excluded.email_id
WHERE w.last_reply_at < now() - make_interval(secs => $3 / 1000.0) OR w.email_id = excluded.email_id
RETURNING email_id
