-- The suppression list, newest first.
-- $1 limit
SELECT address, reason, source, bounces, complaints, created_at, updated_at, note
FROM suppressions
ORDER BY created_at DESC, address
LIMIT $1
