-- Reserves the next slot of the global send rate ($1 ms apart) for effect $2, records it on the effect (so a
-- run that waits for it in the queue keeps it), and returns how long to wait for it (ms, >= 0).
-- One row, updated by every sender of every instance: the row lock orders them.
-- $1 spacing in milliseconds, $2 effect id
WITH slot AS (
  UPDATE send_rate
  SET next_at = greatest(next_at, now()) + make_interval(secs => $1 / 1000.0)
  RETURNING next_at - make_interval(secs => $1 / 1000.0) AS at
)
UPDATE effects f
SET send_at = slot.at
FROM slot
WHERE f.id = $2
RETURNING greatest(0, extract(epoch FROM slot.at - now()) * 1000)::float8 AS wait_ms
