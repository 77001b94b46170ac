-- Fails an effect whose request may or may not have been sent (a timeout or a cut connection after the request
-- went out; or a run found another's sending mark, left by a crash). It is not retried automatically: a person
-- checks and runs `effects retry`. $2 starts with "ambiguous:". The mark stays: should the run that sent it
-- still learn that it went through, it marks it delivered.
-- $1 id, $2 last_error, $3 the sending token found
UPDATE effects
SET attempts = attempts + 1, last_error = $2, state = 'failed', send_at = NULL, updated_at = now()
WHERE id = $1 AND state = 'pending' AND sending_token = $3
