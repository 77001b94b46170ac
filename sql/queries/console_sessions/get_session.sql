-- A live session by the hash of its id; no row when unknown or expired.
-- $1 id hash
SELECT user_name, csrf_token, expires_at
FROM console_sessions
WHERE id_hash = $1 AND expires_at > now()
