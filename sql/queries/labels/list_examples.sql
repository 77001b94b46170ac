-- The labelled examples learning reads: per email the latest label still standing (a later correction or
-- confirmation supersedes an earlier one; a retracted one teaches nothing), with what the classifier read of
-- the email. Newest first, at most $1 (a deployment's memory is bounded; recent decisions matter most).
-- $1 most examples
SELECT l.id, l.email_id, l.intent, l.kind, l.actor, l.created_at, e.message_id, e.sender, e.subject,
       left(e.body, 20000) AS body
FROM (
  SELECT DISTINCT ON (email_id) id, email_id, intent, kind, actor, created_at
  FROM labels
  WHERE retracted_at IS NULL
  ORDER BY email_id, id DESC
) l JOIN emails e ON e.id = l.email_id
WHERE l.intent <> 'reserved'
ORDER BY l.id DESC
LIMIT $1
