-- One stored delivery with its bytes (as base64 without line breaks: see src/db/base64.ts), for parsing or
-- reprocessing.
-- $1 id
SELECT id, source_key, source, location, sha256, size_bytes, translate(encode(raw, 'base64'), E'\n', '') AS raw,
       error, email_id, received_at
FROM raw_messages
WHERE id = $1
