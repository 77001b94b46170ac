-- Returns failed effects to pending (their deliver jobs are requeued by the caller), with no run's sending mark
-- left on them. $2 true: all of them.
-- $1 ids (bigint[]), $2 all
UPDATE effects
SET state = 'pending', sending_token = NULL, sending_at = NULL, send_at = NULL, updated_at = now()
WHERE state = 'failed' AND ($2 OR id = ANY($1::bigint[]))
RETURNING id
