-- The jobs of an email that did not end well (failed, or still waiting to retry after an error): its parse job
-- (by delivery), classify and route jobs (by email), and deliver jobs (by effect). One lookup per key, each
-- from a partial index of the jobs that met an error (0017_console_speed.sql); with the three keys OR-ed in
-- one WHERE and no such index, every job was read: EXPLAIN ANALYZE 280-400 ms at 100,000 emails (~450,000
-- jobs); now median 1.5 ms, p95 5.4 ms.
-- $1 email id, $2 its delivery (raw_messages id)
SELECT j.id, j.kind, j.state, j.attempts, j.max_attempts, j.last_error, j.updated_at
FROM jobs j
WHERE j.state IN ('failed', 'pending', 'running') AND j.last_error IS NOT NULL
  AND (j.payload ->> 'email_id')::int = $1
UNION
SELECT j.id, j.kind, j.state, j.attempts, j.max_attempts, j.last_error, j.updated_at
FROM jobs j
WHERE j.state IN ('failed', 'pending', 'running') AND j.last_error IS NOT NULL
  AND (j.payload ->> 'raw_id')::bigint = $2
UNION
SELECT j.id, j.kind, j.state, j.attempts, j.max_attempts, j.last_error, j.updated_at
FROM effects f JOIN jobs j ON (j.payload ->> 'effect_id')::bigint = f.id
WHERE f.email_id = $1 AND j.state IN ('failed', 'pending', 'running') AND j.last_error IS NOT NULL
ORDER BY id
