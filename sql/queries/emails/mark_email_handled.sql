-- A person marks an email's hand-off handled: it leaves "Needs a person". Once: a second mark changes nothing
-- and returns no row.
-- $1 id, $2 who
UPDATE emails
SET handled_at = now(), handled_by = $2, updated_at = now()
WHERE id = $1 AND handled_at IS NULL
RETURNING handled_at
