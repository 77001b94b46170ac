-- The labels of one email, for its page (retracted ones too). $1 email id
SELECT id, intent, previous_intent, kind, actor, note, created_at, retracted_at, retracted_by
FROM labels
WHERE email_id = $1
ORDER BY id
