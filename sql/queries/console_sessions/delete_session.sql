-- Ends a session (logout).
-- $1 id hash
DELETE FROM console_sessions WHERE id_hash = $1
