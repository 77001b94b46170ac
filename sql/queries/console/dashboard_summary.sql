-- The dashboard's figures: emails of the last $1 days by disposition (the share answered automatically is
-- answered / (all but filtered)), and the hand-off backlog now (Needs a person, as list_needs_person.sql:
-- its count and its oldest email, from the partial index emails_needs_person_idx).
-- $1 days (today included)
SELECT w.total, w.answered, w.with_person, w.filtered, w.pending, b.backlog, b.oldest
FROM (SELECT count(*)::int AS total,
             count(*) FILTER (WHERE e.disposition = 'answered')::int AS answered,
             count(*) FILTER (WHERE e.disposition = 'with_person')::int AS with_person,
             count(*) FILTER (WHERE e.disposition = 'filtered')::int AS filtered,
             count(*) FILTER (WHERE e.disposition = 'pending')::int AS pending
      FROM emails e
      WHERE e.received_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                             - ($1::int - 1) * interval '1 day') w,
     (SELECT count(*)::int AS backlog, min(e.received_at) AS oldest
      FROM emails e
      WHERE e.handled_at IS NULL
        AND (e.disposition = 'with_person' OR (e.disposition = 'pending' AND e.routed_at IS NOT NULL))) b
