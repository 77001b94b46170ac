-- What the classify job reads of an email, with the verdicts of its SES notification (when it came with one).
-- $1 id
SELECT e.id, e.message_id, e.sender, e.reply_to, e.sender_name, e.subject, e.body, e.headers, e.attachments,
       e.classified_at, r.verdicts
FROM emails e JOIN raw_messages r ON r.id = e.raw_id
WHERE e.id = $1
