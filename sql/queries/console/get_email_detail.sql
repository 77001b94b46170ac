-- Everything the email's page shows of the email itself, its delivery (without the bytes: they are only read
-- for a download) and the body cut to $2 characters (a 40 MB text must not become a 40 MB page).
-- $1 id, $2 most characters of the body
SELECT e.id, e.message_id, e.sender, e.sender_name, e.reply_to, e.recipients, e.subject, e.sent_at, e.received_at,
       left(e.body, $2::int) AS body, length(e.body) AS body_chars, e.body_html, e.attachments, e.size_bytes,
       e.parse_error, e.intent, e.automated, e.auto_reply_ok, e.rule_reasons, e.classifier, e.classifier_model,
       e.classifier_latency_ms, e.prompt_tokens, e.completion_tokens, e.classifier_note, e.classified_at,
       e.routed_at, e.processed, e.disposition, e.disposition_reason, e.closed_reason, e.conversation_id,
       e.thread_link, e.thread_parent_id, e.handled_at, e.handled_by, e.corrections, e.raw_id,
       r.raw IS NOT NULL AS raw_stored, r.location AS raw_location,
       r.raw_dropped_at
FROM emails e JOIN raw_messages r ON r.id = e.raw_id
WHERE e.id = $1
