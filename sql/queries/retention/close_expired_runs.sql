-- Closes a run whose daemon stopped renewing its lease (it died or lost the database), so another may start.
-- $1 now (timestamptz, or NULL for the server's clock)
UPDATE retention_runs
SET finished_at = coalesce($1::timestamptz, now()), error = 'lease expired: its daemon stopped'
WHERE finished_at IS NULL AND locked_until < coalesce($1::timestamptz, now())
