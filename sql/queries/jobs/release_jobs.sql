-- Returns claimed jobs that never started (a stopping worker's buffer) to the queue, uncounted. Guarded by
-- the claims ($3 attempts, in the order of $1).
-- $1 ids (bigint[]), $2 locked_by, $3 attempts of each claim (int[])
UPDATE jobs
SET state = 'pending', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL,
    updated_at = now()
WHERE id = ANY($1::bigint[]) AND state = 'running' AND locked_by = $2
  AND attempts = ($3::int[])[array_position($1::bigint[], id)]
