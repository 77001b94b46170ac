-- Marks a job done, only if its claim (this worker, this attempt) still holds it (row count 0: it was lost).
-- $1 id, $2 locked_by, $3 attempts of the claim
UPDATE jobs
SET state = 'done', locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now()
WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $3
