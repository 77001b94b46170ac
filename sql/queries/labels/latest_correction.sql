-- The latest correction of an email still standing: what an undo retracts. $1 email id
SELECT id, intent, previous_intent, actor, created_at
FROM labels
WHERE email_id = $1 AND kind = 'correction' AND retracted_at IS NULL
ORDER BY id DESC
LIMIT 1
