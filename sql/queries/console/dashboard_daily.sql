-- The dashboard's chart: emails received per day (UTC) over the last $1 days, counted by intent and, in the
-- same pass, by disposition (GROUPING SETS: a row has either intent or disposition set). Reads the window
-- through emails_received_idx (0012).
-- $1 days (today included)
SELECT (date_trunc('day', e.received_at AT TIME ZONE 'UTC'))::date::text AS day,
       e.intent, e.disposition, count(*)::int AS n
FROM emails e
WHERE e.received_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - ($1::int - 1) * interval '1 day'
GROUP BY GROUPING SETS ((1, e.intent), (1, e.disposition))
ORDER BY 1
