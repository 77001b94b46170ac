-- Marks a batch of jobs done in one statement, each only if its claim still holds it: this worker's lease and
-- the claim's attempt number ($3, in the order of $1). A run abandoned after maxJobMs, whose job the same
-- worker claimed again, must not complete the new run's job. Returns the ids it completed (an id missing from
-- the answer lost its claim before it finished).
-- `id = ANY($1)` keeps the primary-key lookup; array_position over a batch of at most 64 ids costs nothing
-- next to the row updates.
-- Committed asynchronously (see claim_jobs.sql): a completion lost with a crash of the server leaves the job
-- running until its lease expires, and it runs again like one cut short by a crash; every handler's work
-- is idempotent and committed synchronously in its own statements.
-- $1 ids (bigint[]), $2 locked_by, $3 attempts of each claim (int[], same order as $1)
UPDATE jobs
SET state = 'done', locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now()
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
WHERE id = ANY($1::bigint[]) AND state = 'running' AND locked_by = $2
  AND attempts = ($3::int[])[array_position($1::bigint[], id)]
RETURNING id
