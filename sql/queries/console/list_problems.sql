-- "Problems: parse errors, effects failed for good, failed jobs", newest first. Keyset pagination: the page before id $1.
-- $1 before this id (NULL: the newest), $2 ILIKE pattern on sender or subject (NULL: all), $3 page size
SELECT e.id, e.sender, e.sender_name, e.subject, e.received_at, e.intent, e.classifier, e.disposition, e.disposition_reason, coalesce('parse error: ' || e.parse_error,
                  (SELECT 'failed ' || f.purpose || ': ' || coalesce(f.last_error, '') FROM effects f
                   WHERE f.email_id = e.id AND f.state = 'failed' ORDER BY f.id LIMIT 1),
                  (SELECT 'failed job ' || j.kind || ': ' || coalesce(j.last_error, '') FROM jobs j
                   WHERE j.state = 'failed' AND (j.payload ->> 'email_id')::int = e.id ORDER BY j.id LIMIT 1)) AS note
FROM emails e
WHERE e.id IN (SELECT p.id FROM emails p WHERE p.parse_error IS NOT NULL
               UNION SELECT f.email_id FROM effects f WHERE f.state = 'failed'
               UNION SELECT (j.payload ->> 'email_id')::int FROM jobs j WHERE j.state = 'failed' AND j.payload ? 'email_id')
  AND ($1::int IS NULL OR e.id < $1::int)
  AND ($2::text IS NULL OR e.sender ILIKE $2::text OR e.subject ILIKE $2::text)
ORDER BY e.id DESC
LIMIT $3::int
