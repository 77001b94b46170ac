-- The raw bytes of a delivery (to attach the original to a forward).
-- $1 id
SELECT raw FROM raw_messages WHERE id = $1
