-- A person suppresses an address (`suppressions add`); an address already there keeps its row (no row back).
-- $1 address (normalised), $2 reason, $3 note (NULL: none)
INSERT INTO suppressions (address, reason, source, note)
VALUES ($1, $2, 'manual', $3)
ON CONFLICT (address) DO NOTHING
RETURNING address, reason, source, bounces, complaints, created_at, updated_at, note
