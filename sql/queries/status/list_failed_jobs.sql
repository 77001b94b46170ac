-- The most recent failed jobs, for `status` and `requeue`.
-- $1 limit
SELECT id, kind, payload, attempts, last_error, updated_at
FROM jobs
WHERE state = 'failed'
ORDER BY updated_at DESC
LIMIT $1
