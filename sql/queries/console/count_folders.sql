-- The number of emails in each folder of the console, in one pass (the folders' definitions are those of the
-- list_*.sql files beside this one).
SELECT
  count(*) FILTER (WHERE e.handled_at IS NULL
                     AND (e.disposition = 'with_person' OR (e.disposition = 'pending' AND e.routed_at IS NOT NULL)))::int
    AS needs_person,
  count(*) FILTER (WHERE e.disposition = 'answered')::int AS answered,
  (SELECT count(DISTINCT f.email_id)::int FROM effects f WHERE f.kind = 'reply' AND f.state = 'suppressed') AS withheld,
  count(*) FILTER (WHERE e.disposition = 'filtered')::int AS filtered,
  (SELECT count(*)::int FROM emails p
   WHERE p.parse_error IS NOT NULL
      OR EXISTS (SELECT 1 FROM effects f WHERE f.email_id = p.id AND f.state = 'failed')
      OR EXISTS (SELECT 1 FROM jobs j WHERE j.state = 'failed' AND (j.payload ->> 'email_id')::int = p.id)) AS problems,
  count(*)::int AS all
FROM emails e
