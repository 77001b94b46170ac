-- How often people corrected the classifier, per intent it had decided, over the last $1 days (labels, kept
-- by every correction and confirmation): corrections (and to which intents) against confirmations.
-- $1 days (today included)
SELECT l.previous_intent AS intent,
       count(*) FILTER (WHERE l.kind = 'correction')::int AS corrections,
       count(*) FILTER (WHERE l.kind = 'confirmation')::int AS confirmations,
       coalesce(string_agg(DISTINCT l.intent, ', ') FILTER (WHERE l.kind = 'correction'), '') AS corrected_to
FROM labels l
WHERE l.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - ($1::int - 1) * interval '1 day'
GROUP BY l.previous_intent
ORDER BY corrections DESC, l.previous_intent
