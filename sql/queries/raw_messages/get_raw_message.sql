-- One stored delivery with its bytes, for parsing or reprocessing.
-- $1 id
SELECT id, source_key, source, location, sha256, size_bytes, raw, error, email_id, received_at
FROM raw_messages
WHERE id = $1
