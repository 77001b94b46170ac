-- A person takes an address off the list (`suppressions remove`): later feedback counts afresh.
-- $1 address (normalised)
DELETE FROM suppressions
WHERE address = $1
RETURNING address, reason, source, bounces, complaints, created_at, updated_at, note
