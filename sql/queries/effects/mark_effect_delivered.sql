-- Marks an effect delivered (once), by the run that sent it ($2). Also from `failed` with an ambiguous outcome:
-- the run whose request was cut off learns late that it went through.
-- $1 id, $2 sending token, $3 the id the transport gave the message (SES MessageId; NULL: none)
UPDATE effects
SET state = 'delivered', delivered_at = now(), updated_at = now(), attempts = attempts + 1, last_error = NULL,
    send_at = NULL, sending_token = NULL, ses_message_id = coalesce($3::text, ses_message_id)
WHERE id = $1 AND sending_token = $2
  AND (state = 'pending' OR (state = 'failed' AND last_error LIKE 'ambiguous:%'))
