-- A slice of a stored delivery's bytes (base64 without line breaks), so that a large message is read in
-- pieces instead of one string a third larger than itself (see get_raw_message.sql).
-- $1 id, $2 offset (0-based), $3 length
SELECT translate(encode(substring(raw FROM $2::int + 1 FOR $3::int), 'base64'), E'\n', '') AS piece
FROM raw_messages
WHERE id = $1
