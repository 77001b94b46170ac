-- "Withheld: emails with an automatic reply the policy suppressed, with the reason", newest first. Keyset pagination: the page before id $1.
-- $1 before this id (NULL: the newest), $2 ILIKE pattern on sender or subject (NULL: all), $3 page size
SELECT e.id, e.sender, e.sender_name, e.subject, e.received_at, e.intent, e.classifier, e.disposition, e.disposition_reason, (SELECT string_agg(f.purpose || ': ' || coalesce(f.last_error, ''), '; ' ORDER BY f.id) FROM effects f
         WHERE f.email_id = e.id AND f.kind = 'reply' AND f.state = 'suppressed') AS note
FROM emails e
WHERE EXISTS (SELECT 1 FROM effects f WHERE f.email_id = e.id AND f.kind = 'reply' AND f.state = 'suppressed')
  AND ($1::int IS NULL OR e.id < $1::int)
  AND ($2::text IS NULL OR e.sender ILIKE $2::text OR e.subject ILIKE $2::text)
ORDER BY e.id DESC
LIMIT $3::int
