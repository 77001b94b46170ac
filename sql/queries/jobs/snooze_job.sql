-- Puts a running job back to wait $4 ms (counted by the database's clock) without spending an attempt: the
-- claim's count is undone. For a wait that is not a failure (a deliver job waiting for its send slot).
-- Guarded by the claim (locked_by and its attempt number), like every outcome.
-- $1 id, $2 locked_by, $3 attempts of the claim, $4 delay in milliseconds
UPDATE jobs
SET state = 'pending',
    attempts = attempts - 1,
    run_at = now() + make_interval(secs => $4 / 1000.0),
    locked_by = NULL,
    locked_until = NULL,
    updated_at = now()
WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $3
