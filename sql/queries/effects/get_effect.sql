-- One effect with what its delivery needs.
-- $1 id
SELECT id, email_id, kind, purpose, idempotency_key, payload, state, attempts
FROM effects
WHERE id = $1
