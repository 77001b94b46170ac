-- Marks a routed email processed once every effect is delivered, failed for good or suppressed.
-- $1 id
UPDATE emails e
SET processed = true, processed_at = now(), updated_at = now()
WHERE id = $1 AND routed_at IS NOT NULL AND NOT processed
  AND NOT EXISTS (SELECT 1 FROM effects f WHERE f.email_id = e.id AND f.state = 'pending')
