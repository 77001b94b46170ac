-- Renews the leases of the jobs this worker is running, so a long job is not taken for a dead one.
-- $1 locked_by, $2 ids (bigint[]), $3 lease in milliseconds
UPDATE jobs
SET locked_until = now() + make_interval(secs => $3 / 1000.0)
WHERE id = ANY($2::bigint[]) AND state = 'running' AND locked_by = $1
