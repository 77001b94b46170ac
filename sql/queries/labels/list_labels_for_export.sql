-- The labelled emails to export (`export-labels`): per email the latest label still standing, with the raw
-- message (base64, see src/db/base64.ts) and the rules' verdict. Keyset-paged by email id.
-- $1 after this email id, $2 page size
SELECT DISTINCT ON (l.email_id) l.id, l.email_id, l.intent, l.kind, e.message_id, e.automated,
       e.auto_reply_ok, translate(encode(r.raw, 'base64'), E'\n', '') AS raw
FROM labels l JOIN emails e ON e.id = l.email_id JOIN raw_messages r ON r.id = e.raw_id
WHERE l.retracted_at IS NULL AND l.email_id > $1 AND l.intent <> 'reserved'
ORDER BY l.email_id, l.id DESC
LIMIT $2
