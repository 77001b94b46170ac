-- The effects of an email, in the order they were decided: what went where, when, its state and error.
-- $1 email id
SELECT f.id, f.kind, f.purpose, f.state, f.attempts, f.last_error, f.created_at, f.updated_at, f.delivered_at,
       CASE WHEN f.kind = 'webhook' THEN f.payload ->> 'target' ELSE f.payload -> 'to' ->> 0 END AS target,
       f.payload ->> 'subject' AS subject
FROM effects f
WHERE f.email_id = $1
ORDER BY f.id
