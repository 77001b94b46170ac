-- Fails a job for good (a permanent error): it waits for a human to requeue it. Guarded by the claim.
-- $1 id, $2 locked_by, $3 last_error, $4 attempts of the claim
UPDATE jobs
SET state = 'failed', last_error = $3, locked_by = NULL, locked_until = NULL, finished_at = now(),
    updated_at = now()
WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $4
