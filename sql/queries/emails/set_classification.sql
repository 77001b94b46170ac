-- Stores a classification once: a second run of the job (after a crash) changes nothing.
-- $1 id, $2 intent_flags (JSON text), $3 automated, $4 auto_reply_ok, $5 rule_reasons (JSON text),
-- $6 classifier, $7 classifier_model, $8 classifier_latency_ms, $9 prompt_tokens, $10 completion_tokens,
-- $11 classifier_note
UPDATE emails
SET intent_flags = $2::text::jsonb,
    automated = $3,
    auto_reply_ok = $4,
    rule_reasons = $5::text::jsonb,
    classifier = $6,
    classifier_model = $7,
    classifier_latency_ms = $8,
    prompt_tokens = $9,
    completion_tokens = $10,
    classifier_note = $11,
    classified_at = now(),
    updated_at = now()
WHERE id = $1 AND classified_at IS NULL
