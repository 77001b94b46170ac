-- Puts a job back to wait $4 ms, or fails it for good once its attempts are used up. Guarded by the claim.
-- The delay is added to the database's clock, which the claim compares run_at with: computed from the host's
-- clock, a host one hour behind used all 5 attempts in 72 ms (one 503 failed an effect for good), and one
-- hour ahead waited an hour.
-- $1 id, $2 locked_by, $3 last_error, $4 delay in milliseconds, $5 attempts of the claim
UPDATE jobs
SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
    run_at = now() + make_interval(secs => $4 / 1000.0),
    last_error = $3,
    locked_by = NULL,
    locked_until = NULL,
    finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
    updated_at = now()
WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $5
RETURNING state
