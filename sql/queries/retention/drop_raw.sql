-- Drops the raw bytes of the given raw messages, each only if its location is still the one whose original
-- was found (never the only copy). Returns the ids dropped.
-- $1 ids (bigint[]), $2 locations (text[], same order)
UPDATE raw_messages r
SET raw = NULL, raw_dropped_at = now()
FROM unnest($1::bigint[], $2::text[]) AS c(id, location)
WHERE r.id = c.id AND r.location = c.location AND r.raw IS NOT NULL
RETURNING r.id
