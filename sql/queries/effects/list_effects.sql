-- Effects in a state, newest first, for `effects`.
-- $1 state, $2 limit
SELECT f.id, f.email_id, f.kind, f.purpose, f.state, f.attempts, f.last_error, f.updated_at, e.sender, e.subject
FROM effects f JOIN emails e ON e.id = f.email_id
WHERE f.state = $1
ORDER BY f.updated_at DESC
LIMIT $2
