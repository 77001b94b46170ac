-- Records one action a person took.
-- $1 email id (NULL for an action on no email), $2 actor, $3 action, $4 detail, $5 note (NULL: none)
INSERT INTO audit_log (email_id, actor, action, detail, note)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, at
