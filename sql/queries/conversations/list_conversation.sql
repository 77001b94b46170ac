-- The latest messages of a conversation in order: its emails, and the replies we sent or are sending in it
-- (withheld replies never left, so they are not part of it). Each text is cut to its start.
-- $1 conversation id, $2 characters of text per message, $3 most messages
SELECT kind, email_id, at, sender, subject, excerpt
FROM (
  SELECT 'email' AS kind, e.id AS email_id, e.received_at AS at, e.sender, e.subject,
         left(e.body, $2::int) AS excerpt, e.id AS ord
  FROM emails e
  WHERE e.conversation_id = $1
  UNION ALL
  SELECT 'reply', f.email_id, coalesce(f.delivered_at, f.created_at), f.payload ->> 'from', f.payload ->> 'subject',
         left(f.payload ->> 'text', $2::int), f.email_id
  FROM effects f JOIN emails e ON e.id = f.email_id
  WHERE e.conversation_id = $1 AND f.kind = 'reply' AND f.state <> 'suppressed'
  ORDER BY at DESC, ord DESC, kind
  LIMIT $3::int
) latest
ORDER BY at, ord, kind
