-- Raw messages whose bytes retention may drop: stored, with a location, of an email processed before $1,
-- after the keyset ($2, $3) in (received_at, id) order. Uses raw_messages_droppable_idx. The caller checks
-- that each original is still at its location before dropping anything.
-- $1 cutoff (timestamptz), $2 after received_at (text, or NULL from the start), $3 after id, $4 limit
-- received_at goes out and back as text: a JS Date has milliseconds, the column microseconds (a keyset of
-- Dates repeated rows; postgres.js turns a string sent as timestamptz into a Date too).
SELECT r.id, r.location, r.size_bytes, r.received_at::text AS received_at
FROM raw_messages r
JOIN emails e ON e.raw_id = r.id
WHERE r.raw IS NOT NULL AND r.location IS NOT NULL
  AND r.received_at < $1::timestamptz
  AND ($2::text IS NULL OR (r.received_at, r.id) > ($2::text::timestamptz, $3::bigint))
  AND e.processed AND e.processed_at < $1::timestamptz
ORDER BY r.received_at, r.id
LIMIT $4
