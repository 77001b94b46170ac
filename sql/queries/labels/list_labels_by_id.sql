-- Labels by id, with their email's sender and subject: the examples an email's page links to. $1 label ids
SELECT l.id, l.email_id, l.intent, l.kind, l.actor, l.created_at, l.retracted_at, e.sender, e.subject
FROM labels l JOIN emails e ON e.id = l.email_id
WHERE l.id = ANY($1::bigint[])
ORDER BY l.id
