-- Records that routing decided; the email is processed at once when it has no effect left to deliver.
-- $1 id
UPDATE emails e
SET routed_at = now(),
    updated_at = now(),
    processed = NOT EXISTS (SELECT 1 FROM effects f WHERE f.email_id = e.id AND f.state = 'pending'),
    processed_at = CASE WHEN NOT EXISTS (SELECT 1 FROM effects f WHERE f.email_id = e.id AND f.state = 'pending')
                        THEN now() END
WHERE id = $1 AND routed_at IS NULL
