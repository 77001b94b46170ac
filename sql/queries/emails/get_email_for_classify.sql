-- What the classify job reads of an email.
-- $1 id
SELECT id, sender, reply_to, subject, body, headers, classified_at
FROM emails
WHERE id = $1
