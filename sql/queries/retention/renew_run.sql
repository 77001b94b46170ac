-- Renews a run's lease and adds to its counts; row count 0: the run was closed (lease expired), stop.
-- $1 id, $2 locked_by, $3 lease ms, $4 jobs deleted, $5 raw dropped, $6 raw kept
UPDATE retention_runs
SET locked_until = now() + $3::float8 * interval '1 millisecond',
    jobs_deleted = jobs_deleted + $4, raw_dropped = raw_dropped + $5, raw_kept = raw_kept + $6
WHERE id = $1 AND locked_by = $2 AND finished_at IS NULL
