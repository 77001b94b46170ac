-- Counts a failed delivery attempt of run $4 (the request surely did not go through); with $3 true the effect
-- has failed for good. The run's sending mark is cleared, so the next run may send.
-- $1 id, $2 last_error, $3 final, $4 sending token
UPDATE effects
SET attempts = attempts + 1,
    last_error = $2,
    state = CASE WHEN $3 THEN 'failed' ELSE state END,
    send_at = NULL,
    sending_token = NULL,
    updated_at = now()
WHERE id = $1 AND state = 'pending' AND sending_token = $4
