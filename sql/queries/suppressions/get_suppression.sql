-- The suppression of an address, if any.
-- $1 address (normalised)
SELECT address, reason, source, bounces, complaints, created_at, updated_at, note
FROM suppressions
WHERE address = $1
