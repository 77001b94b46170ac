-- Records which email a delivery became (or duplicated), and why it is not an email of its own.
-- $1 id, $2 email_id, $3 error (or NULL)
UPDATE raw_messages SET email_id = $2, error = coalesce($3, error) WHERE id = $1
