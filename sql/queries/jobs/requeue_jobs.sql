-- Gives failed jobs a fresh set of attempts, now. $2 true requeues every failed job, else those in $1.
-- $1 ids (bigint[]), $2 all
UPDATE jobs
SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL, updated_at = now()
WHERE state = 'failed' AND ($2 OR id = ANY($1::bigint[]))
RETURNING id, kind
