-- Marks an effect as being sent by run $2 before its request goes out, only while the deliver job's claim
-- ($3 job id, $4 locked_by, $5 attempts) still holds the job, and only when no other run marked it (or, with
-- $6 not NULL, when the other run's mark is older than $6 ms: for transports that deduplicate by the effect's
-- key, once the other request has surely ended). Of a stale run and the current claim at most one sends.
-- The send slot is used now: dropped.
-- $1 effect id, $2 token, $3 job id, $4 locked_by, $5 attempts of the claim, $6 take over after ms (or NULL)
UPDATE effects f
SET sending_token = $2, sending_at = now(), send_at = NULL, updated_at = now()
WHERE f.id = $1 AND f.state = 'pending'
  AND (f.sending_token IS NULL OR f.sending_at < now() - make_interval(secs => $6::float8 / 1000.0))
  AND EXISTS (
    SELECT 1 FROM jobs j WHERE j.id = $3 AND j.state = 'running' AND j.locked_by = $4 AND j.attempts = $5
  )
