-- What SES reported about the mail we sent for an email (its replies and forwards), oldest first.
-- $1 email id
SELECT b.id, b.effect_id, b.kind, b.recipient, b.bounce_type, b.sub_type, b.detail, b.occurred_at, b.received_at
FROM feedback b JOIN effects f ON f.id = b.effect_id
WHERE f.email_id = $1
ORDER BY b.id
LIMIT 100
