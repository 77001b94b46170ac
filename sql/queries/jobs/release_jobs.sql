-- Returns claimed jobs that never started (a stopping worker's buffer) to the queue, uncounted.
-- $1 ids (bigint[]), $2 locked_by
UPDATE jobs
SET state = 'pending', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL,
    updated_at = now()
WHERE id = ANY($1::bigint[]) AND state = 'running' AND locked_by = $2
