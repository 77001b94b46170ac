-- Locks an email's row for the rest of the transaction. Deliveries of one email's effects take it first, so
-- the last of two concurrent deliveries sees the other's result and marks the email processed (without it,
-- each saw the other still pending under READ COMMITTED and neither did).
-- $1 id
SELECT id FROM emails WHERE id = $1 FOR UPDATE
