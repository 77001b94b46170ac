-- The email a delivery became or repeats: the one of this delivery, or the one with its content key (see
-- store_email.sql; a delivery stored before 0007_ingest_identity has none, and its Message-ID stands in).
-- $1 message_id, $2 raw_id
SELECT e.id
FROM emails e
WHERE e.raw_id = $2
   OR e.content_key = (SELECT coalesce(r.content_key, 'message-id:' || $1) FROM raw_messages r WHERE r.id = $2)
ORDER BY e.raw_id = $2 DESC
LIMIT 1
