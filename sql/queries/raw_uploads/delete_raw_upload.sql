-- The pieces of an upload once stored (or abandoned), and any left by a crash more than a day ago.
-- $1 upload_id
DELETE FROM raw_uploads WHERE upload_id = $1::uuid OR created_at < now() - interval '1 day'
