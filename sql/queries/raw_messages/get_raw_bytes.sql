-- The raw bytes of a delivery, as base64 without line breaks (see src/db/base64.ts), to attach the original to
-- a forward.
-- $1 id
SELECT translate(encode(raw, 'base64'), E'\n', '') AS raw FROM raw_messages WHERE id = $1
