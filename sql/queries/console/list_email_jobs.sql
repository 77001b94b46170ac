-- The jobs of an email that did not end well (failed, or still waiting to retry after an error): its parse job
-- (by delivery), classify and route jobs (by email), and deliver jobs (by effect).
-- $1 email id, $2 its delivery (raw_messages id)
SELECT j.id, j.kind, j.state, j.attempts, j.max_attempts, j.last_error, j.updated_at
FROM jobs j
WHERE j.state IN ('failed', 'pending', 'running') AND j.last_error IS NOT NULL
  AND ((j.payload ->> 'email_id')::int = $1
       OR (j.payload ->> 'raw_id')::bigint = $2
       OR (j.payload ->> 'effect_id')::bigint IN (SELECT f.id FROM effects f WHERE f.email_id = $1))
ORDER BY j.id
