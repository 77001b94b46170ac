-- Whether a delivery with this source key is stored.
-- $1 source_key
SELECT EXISTS (SELECT 1 FROM raw_messages WHERE source_key = $1) AS known
