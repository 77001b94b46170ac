-- The audit trail of an email, oldest first.
-- $1 email id
SELECT id, actor, action, detail, note, at
FROM audit_log
WHERE email_id = $1
ORDER BY id
