-- One stored delivery with its bytes (as base64 without line breaks: see src/db/base64.ts), for parsing or
-- reprocessing. Bytes over $2 are not sent (raw NULL, raw_length set): read them with get_raw_slice.sql.
-- $1 id, $2 largest raw to send whole
SELECT id, source_key, source, location, sha256, size_bytes,
       CASE WHEN octet_length(raw) <= $2::int THEN translate(encode(raw, 'base64'), E'\n', '') END AS raw,
       octet_length(raw) AS raw_length, error, email_id, received_at
FROM raw_messages
WHERE id = $1
