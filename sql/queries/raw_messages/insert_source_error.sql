-- Records a notification that could not become a message; a redelivery of it changes nothing.
-- $1 source, $2 external_id, $3 reason, $4 body
INSERT INTO source_errors (source, external_id, reason, body)
VALUES ($1, $2, $3, left($4, 65536))
ON CONFLICT (source, external_id) DO NOTHING
