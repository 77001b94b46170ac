-- "Answered automatically: an automatic reply was delivered (or a thank-you closed the conversation)", newest first. Keyset pagination: the page before id $1.
-- $1 before this id (NULL: the newest), $2 ILIKE pattern on sender or subject (NULL: all), $3 page size
SELECT e.id, e.sender, e.sender_name, e.subject, e.received_at, e.intent, e.classifier, e.disposition, e.disposition_reason, e.disposition_reason AS note
FROM emails e
WHERE e.disposition = 'answered'
  AND ($1::int IS NULL OR e.id < $1::int)
  AND ($2::text IS NULL OR e.sender ILIKE $2::text OR e.subject ILIKE $2::text)
ORDER BY e.id DESC
LIMIT $3::int
