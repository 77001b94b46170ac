-- Marks a batch of jobs done in one statement, each only if this worker still holds its lease; returns the
-- ids it completed (an id missing from the answer lost its lease before it finished).
-- $1 ids (bigint[]), $2 locked_by
UPDATE jobs
SET state = 'done', locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now()
WHERE id = ANY($1::bigint[]) AND state = 'running' AND locked_by = $2
RETURNING id
