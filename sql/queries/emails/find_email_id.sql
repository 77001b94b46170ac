-- The email already stored for a Message-ID or a delivery.
-- $1 message_id, $2 raw_id
SELECT id FROM emails WHERE message_id = $1 OR raw_id = $2 LIMIT 1
