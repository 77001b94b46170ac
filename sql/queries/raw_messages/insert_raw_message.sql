-- Stores one delivery; nothing happens when its source key is known (a re-listed object, a crash before the move).
-- $1 source_key, $2 source, $3 location, $4 sha256, $5 size_bytes, $6 raw (bytea or NULL), $7 error (or NULL),
-- $8 verdicts (JSON text or NULL)
INSERT INTO raw_messages (source_key, source, location, sha256, size_bytes, raw, error, verdicts)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb)
ON CONFLICT (source_key) DO NOTHING
RETURNING id
