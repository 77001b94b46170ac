-- Jobs by state and the age of the oldest runnable job, for /metrics (cheap: a partial index covers pending).
SELECT state, count(*)::int AS count,
       coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'pending' AND run_at <= now())), 0)::float8
         AS oldest_runnable_s
FROM jobs
GROUP BY state
