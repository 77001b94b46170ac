-- What routing reads of an email.
-- $1 id
SELECT e.id, e.message_id, e.message_id_generated, e.sender, e.sender_name, e.reply_to, e.subject, e.body,
       e.in_reply_to, e."references", e.intent, e.automated, e.auto_reply_ok, e.rule_reasons, e.classified_at, e.routed_at,
       e.received_at, e.raw_id
FROM emails e
WHERE e.id = $1
