-- Marks a job done, only if this worker still holds its lease (row count 0 means the lease was lost).
-- $1 id, $2 locked_by
UPDATE jobs
SET state = 'done', locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now()
WHERE id = $1 AND state = 'running' AND locked_by = $2
