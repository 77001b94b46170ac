-- Adds a job; with a unique_key already present nothing happens (enqueueing is idempotent).
-- $1 kind, $2 unique_key (or NULL), $3 payload (JSON text), $4 max_attempts, $5 run_at (or NULL: now)
INSERT INTO jobs (kind, unique_key, payload, max_attempts, run_at)
VALUES ($1, $2, $3::text::jsonb, $4, coalesce($5, now()))
ON CONFLICT (unique_key) DO NOTHING
RETURNING id
