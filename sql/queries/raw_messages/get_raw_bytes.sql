-- The raw bytes of a delivery, as base64 (see src/db/base64.ts), to attach the original to a forward.
-- $1 id
SELECT encode(raw, 'base64') AS raw FROM raw_messages WHERE id = $1
