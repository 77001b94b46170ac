-- Renews the leases of the jobs this worker is running, so a long job is not taken for a dead one. Only the
-- current claims ($3 attempts, in the order of $2): an abandoned run's job, claimed again, is the new run's.
-- $1 locked_by, $2 ids (bigint[]), $3 lease in milliseconds, $4 attempts of each claim (int[])
UPDATE jobs
SET locked_until = now() + make_interval(secs => $3 / 1000.0)
WHERE id = ANY($2::bigint[]) AND state = 'running' AND locked_by = $1
  AND attempts = ($4::int[])[array_position($2::bigint[], id)]
