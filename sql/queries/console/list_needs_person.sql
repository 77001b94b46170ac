-- "Needs a person": emails handed to a person (or still waiting for a hand-off after routing) that nobody has
-- marked handled, oldest first. Keyset pagination: the page after id $1.
-- $1 after this id (NULL: from the start), $2 ILIKE pattern on sender or subject (NULL: all), $3 page size
SELECT e.id, e.sender, e.sender_name, e.subject, e.received_at, e.intent, e.classifier, e.disposition, e.disposition_reason, e.disposition_reason AS note
FROM emails e
WHERE e.handled_at IS NULL
  AND (e.disposition = 'with_person' OR (e.disposition = 'pending' AND e.routed_at IS NOT NULL))
  AND ($1::int IS NULL OR e.id > $1::int)
  AND ($2::text IS NULL OR e.sender ILIKE $2::text OR e.subject ILIKE $2::text)
ORDER BY e.id
LIMIT $3::int
