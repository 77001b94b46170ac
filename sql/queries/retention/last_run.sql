-- The most recent retention run, for `status`.
SELECT id, locked_by, started_at, finished_at, jobs_deleted, raw_dropped, raw_kept, error
FROM retention_runs
ORDER BY id DESC
LIMIT 1
