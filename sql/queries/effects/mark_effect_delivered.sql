-- Marks an effect delivered (once).
-- $1 id
UPDATE effects
SET state = 'delivered', delivered_at = now(), updated_at = now(), attempts = attempts + 1, last_error = NULL,
    send_at = NULL
WHERE id = $1 AND state = 'pending'
