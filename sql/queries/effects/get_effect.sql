-- One effect with what its delivery needs: slot_wait_ms is the time until the send slot it holds (negative
-- once passed; NULL without one), measured by the database's clock like the slot itself.
-- $1 id
SELECT id, email_id, kind, purpose, idempotency_key, payload, state, attempts, sending_token,
       (extract(epoch FROM send_at - now()) * 1000)::float8 AS slot_wait_ms
FROM effects
WHERE id = $1
