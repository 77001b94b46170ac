-- Leases up to $2 runnable jobs to worker $1 and counts the attempt.
-- SKIP LOCKED lets any number of workers and processes claim at once without waiting on each other's rows;
-- the partial index jobs_runnable_idx holds only pending rows, so the scan stays short however many done
-- rows pile up. One round trip claims a batch: the dispatcher asks for as many jobs as it has free slots.
-- $1 locked_by, $2 limit, $3 lease in milliseconds, $4 now (or NULL)
WITH next AS (
  SELECT id
  FROM jobs
  WHERE state = 'pending' AND run_at <= coalesce($4, now())
  ORDER BY run_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE jobs AS j
SET state = 'running',
    attempts = j.attempts + 1,
    locked_by = $1,
    locked_until = coalesce($4, now()) + make_interval(secs => $3 / 1000.0),
    updated_at = coalesce($4, now())
FROM next
WHERE j.id = next.id
RETURNING j.id, j.kind, j.payload, j.attempts, j.max_attempts
