-- Starts a retention run unless one is open (the unique index retention_runs_one_open_idx: DO NOTHING) or
-- one finished less than $3 ms ago. No row: not this daemon's turn.
-- $1 locked_by, $2 lease ms, $3 interval ms, $4 now (timestamptz, or NULL for the server's clock)
INSERT INTO retention_runs (locked_by, locked_until, started_at)
SELECT $1, t + $2::float8 * interval '1 millisecond', t
FROM (SELECT coalesce($4::timestamptz, now()) AS t) AS c
WHERE NOT EXISTS (
  SELECT FROM retention_runs
  WHERE finished_at > c.t - $3::float8 * interval '1 millisecond' AND error IS NULL
)
ON CONFLICT DO NOTHING
RETURNING id
