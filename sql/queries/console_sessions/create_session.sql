-- Opens a session; `id_hash` is the SHA-256 of the cookie's value. Expired sessions are removed on the way
-- (at most 100 at a time: a login never waits on a big delete).
-- $1 id hash, $2 user name, $3 CSRF token, $4 lifetime in seconds
WITH expired AS (
  DELETE FROM console_sessions
  WHERE id_hash IN (SELECT id_hash FROM console_sessions WHERE expires_at < now() LIMIT 100)
)
INSERT INTO console_sessions (id_hash, user_name, csrf_token, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4::int))
RETURNING expires_at
