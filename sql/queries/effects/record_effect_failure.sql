-- Counts a failed delivery attempt; with $3 true the effect has failed for good.
-- $1 id, $2 last_error, $3 final
UPDATE effects
SET attempts = attempts + 1,
    last_error = $2,
    state = CASE WHEN $3 THEN 'failed' ELSE state END,
    send_at = NULL,
    updated_at = now()
WHERE id = $1 AND state = 'pending'
