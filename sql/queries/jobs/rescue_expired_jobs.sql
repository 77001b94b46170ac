-- Returns jobs whose worker died (lease expired) to pending, or fails them when their attempts are used up.
-- $1 now (or NULL)
UPDATE jobs
SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
    last_error = 'lease expired: worker ' || locked_by || ' stopped without finishing the job',
    finished_at = CASE WHEN attempts >= max_attempts THEN coalesce($1, now()) END,
    run_at = coalesce($1, now()),
    locked_by = NULL,
    locked_until = NULL,
    updated_at = coalesce($1, now())
WHERE state = 'running' AND locked_until < coalesce($1, now())
RETURNING id, state
