-- Stores one delivery whose bytes were uploaded in pieces (raw_uploads), with its parse job, in one statement;
-- as store_raw_message.sql otherwise. PostgreSQL joins the pieces: the daemon never holds them as one string.
-- $1 source_key, $2 source, $3 location, $4 sha256, $5 size_bytes, $6 upload_id, $7 error (or NULL),
-- $8 verdicts (JSON text or NULL), $9 parse job kind, $10 its max_attempts, $11 content_key (or NULL: not read)
WITH raw AS (
  INSERT INTO raw_messages (source_key, source, location, sha256, size_bytes, raw, error, verdicts, content_key)
  VALUES ($1, $2, $3, $4, $5,
          (SELECT string_agg(piece, ''::bytea ORDER BY n) FROM raw_uploads WHERE upload_id = $6::uuid),
          $7, $8::text::jsonb, $11)
  ON CONFLICT (source_key) DO NOTHING
  RETURNING id, received_at
), job AS (
  INSERT INTO jobs (kind, unique_key, payload, max_attempts)
  SELECT $9::text, $9::text || ':raw:' || raw.id, jsonb_build_object('raw_id', raw.id), $10::int
  FROM raw
  ON CONFLICT (unique_key) DO NOTHING
)
SELECT id, received_at FROM raw
