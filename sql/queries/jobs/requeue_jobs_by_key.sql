-- Runs the jobs with these unique keys again, now, with a fresh set of attempts (used to retry effects).
-- $1 unique keys (text[])
UPDATE jobs
SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL, locked_by = NULL, locked_until = NULL,
    updated_at = now()
WHERE unique_key = ANY($1::text[]) AND state IN ('done', 'failed')
RETURNING id
