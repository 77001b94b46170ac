-- Records an effect once; nothing happens when its idempotency key exists (a re-run of the routing job).
-- $1 email_id, $2 kind, $3 purpose, $4 idempotency_key, $5 payload (JSON text), $6 state, $7 last_error
INSERT INTO effects (email_id, kind, purpose, idempotency_key, payload, state, last_error)
VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id
