-- Puts a job back to wait until $4, or fails it for good once its attempts are used up. Guarded by the claim.
-- $1 id, $2 locked_by, $3 last_error, $4 run_at, $5 attempts of the claim
UPDATE jobs
SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
    run_at = $4,
    last_error = $3,
    locked_by = NULL,
    locked_until = NULL,
    finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
    updated_at = now()
WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $5
RETURNING state
