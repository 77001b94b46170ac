-- Leases up to $2 runnable jobs to worker $1 and counts the attempt.
-- SKIP LOCKED lets any number of workers and processes claim at once without waiting on each other's rows;
-- the partial index jobs_runnable_idx holds only pending rows, so the scan stays short however many done
-- rows pile up. One round trip claims a batch (the worker keeps a buffer ahead of its free slots).
-- `id = ANY(ARRAY(…))` rather than a CTE joined to jobs: the planner estimated the CTE's rows from $2 and
-- picked a hash join over a sequential scan of the whole table (8-15 ms for 100 of 20,000 jobs); the array
-- always reads the primary key (~2 ms). Measured by `deno task bench --only queue`.
-- The claim commits asynchronously (set_config(…, true) lasts until this statement's implicit transaction
-- commits): a claim lost with a crash of the server only puts its jobs back in the queue, as a crash of the
-- daemon would, and any later synchronous commit (the handler's own work) flushes it first.
-- $1 locked_by, $2 limit, $3 lease in milliseconds, $4 now (or NULL), $5 only these kinds (text[] or NULL),
-- $6 not these kinds (text[] or NULL)
UPDATE jobs AS j
SET state = 'running',
    attempts = j.attempts + 1,
    locked_by = $1,
    locked_until = coalesce($4, now()) + make_interval(secs => $3 / 1000.0),
    updated_at = coalesce($4, now())
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
WHERE j.id = ANY(ARRAY(
  SELECT id
  FROM jobs
  WHERE state = 'pending' AND run_at <= coalesce($4, now())
    AND ($5::text[] IS NULL OR kind = ANY($5::text[]))
    AND ($6::text[] IS NULL OR NOT (kind = ANY($6::text[])))
  ORDER BY run_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
))
RETURNING j.id, j.kind, j.payload, j.attempts, j.max_attempts
