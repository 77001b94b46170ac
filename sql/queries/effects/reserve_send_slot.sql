-- Reserves the next send slot of the global rate ($1 ms apart); returns how long to wait for it (ms, >= 0).
-- One row, updated by every sender of every instance: the row lock orders them.
-- $1 spacing in milliseconds
UPDATE send_rate
SET next_at = greatest(next_at, now()) + make_interval(secs => $1 / 1000.0)
RETURNING greatest(0, extract(epoch FROM (next_at - make_interval(secs => $1 / 1000.0)) - now()) * 1000)::float8
  AS wait_ms
