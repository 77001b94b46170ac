-- Ends a run (with the error that stopped it, or NULL).
-- $1 id, $2 locked_by, $3 error (or NULL)
UPDATE retention_runs
SET finished_at = now(), error = $3
WHERE id = $1 AND locked_by = $2 AND finished_at IS NULL
