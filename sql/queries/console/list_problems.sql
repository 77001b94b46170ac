-- "Problems: parse errors, effects failed for good, failed jobs", newest first. Keyset pagination: the page before id $1.
-- The problem ids come from index-only scans (0017_console_speed.sql), newest first, and each is looked up by
-- its primary key (LATERAL: a nested loop that stops at the page's end). Joined the other way, newest emails
-- first, the plan read every email down to the 51st problem: 5,058 rows with 1% problems, ~9-11 ms of the
-- query's 11 ms at 100,000 emails; now 3.7-3.9 ms in all (EXPLAIN ANALYZE).
-- $1 before this id (NULL: the newest), $2..$8 the filters (src/console/filters.ts; NULL: none), $9 page size
SELECT e.id, e.sender, e.sender_name, e.subject, e.received_at, e.intent, e.classifier, e.disposition, e.disposition_reason,
       coalesce('parse error: ' || e.parse_error,
                (SELECT 'failed ' || f.purpose || ': ' || coalesce(f.last_error, '') FROM effects f
                 WHERE f.email_id = e.id AND f.state = 'failed' ORDER BY f.id LIMIT 1),
                (SELECT 'failed job ' || j.kind || ': ' || coalesce(j.last_error, '') FROM jobs j
                 WHERE j.state = 'failed' AND j.payload ? 'email_id' AND (j.payload ->> 'email_id')::int = e.id
                 ORDER BY j.id LIMIT 1)) AS note
FROM (SELECT p.id FROM emails p WHERE p.parse_error IS NOT NULL AND ($1::int IS NULL OR p.id < $1::int)
      UNION SELECT f.email_id FROM effects f WHERE f.state = 'failed' AND ($1::int IS NULL OR f.email_id < $1::int)
      UNION SELECT (j.payload ->> 'email_id')::int FROM jobs j
            WHERE j.state = 'failed' AND j.payload ? 'email_id'
              AND ($1::int IS NULL OR (j.payload ->> 'email_id')::int < $1::int)
      ORDER BY 1 DESC) AS problem
CROSS JOIN LATERAL (
  SELECT e.id, e.sender, e.sender_name, e.subject, e.received_at, e.intent, e.classifier, e.disposition,
         e.disposition_reason, e.parse_error
  FROM emails e
  WHERE e.id = problem.id
    -- $2 words of the sender's address and domain, the subject and the own text (the GIN index of 0012)
    AND ($2::text IS NULL OR e.search @@ websearch_to_tsquery('simple', $2::text))
    -- $3 the From filter as an address prefix (LIKE, on the text_pattern_ops index), or $4 as a domain (on
    -- the (sender_domain, id) index, which also gives the id order): never both, so never an OR that would keep
    -- the planner from either index (an OR of the two read all 100,000 emails: 0.5-1 s).
    AND ($3::text IS NULL OR lower(e.sender) LIKE $3::text)
    AND ($4::text IS NULL OR e.sender_domain = $4::text)
    AND ($5::text IS NULL OR e.intent = $5::text)
    AND ($6::text IS NULL OR e.classifier = $6::text)
    AND ($7::timestamptz IS NULL OR e.received_at >= $7::timestamptz)
    AND ($8::timestamptz IS NULL OR e.received_at < $8::timestamptz)
) AS e
ORDER BY e.id DESC
LIMIT $9::int
