-- Marks a batch of jobs done in one statement, each only if this worker still holds its lease; returns the
-- ids it completed (an id missing from the answer lost its lease before it finished).
-- Committed asynchronously (see claim_jobs.sql): a completion lost with a crash of the server leaves the job
-- running until its lease expires, and it runs again like one cut short by a crash; every handler's work
-- is idempotent and committed synchronously in its own statements.
-- $1 ids (bigint[]), $2 locked_by
UPDATE jobs
SET state = 'done', locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now()
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
WHERE id = ANY($1::bigint[]) AND state = 'running' AND locked_by = $2
RETURNING id
