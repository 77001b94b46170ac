-- Settles a routed email: stores its disposition (answered, with_person, filtered, or pending, with the
-- reason; see email_disposition in migration 0009) and marks it processed once no effect is pending and the
-- disposition is not pending. Runs after routing and after each effect's outcome, in their transaction.
-- $1 id
UPDATE emails e
SET disposition = d.disposition,
    disposition_reason = d.reason,
    processed = d.disposition <> 'pending'
      AND NOT EXISTS (SELECT 1 FROM effects f WHERE f.email_id = e.id AND f.state = 'pending'),
    processed_at = CASE
      WHEN d.disposition <> 'pending'
           AND NOT EXISTS (SELECT 1 FROM effects f WHERE f.email_id = e.id AND f.state = 'pending')
      THEN coalesce(e.processed_at, now())
    END,
    updated_at = now()
FROM email_disposition($1) d
WHERE e.id = $1 AND e.routed_at IS NOT NULL
