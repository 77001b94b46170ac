-- Jobs by kind and state, with the age of the oldest runnable job of each, for `status`.
SELECT kind, state, count(*) AS count,
       extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'pending' AND run_at <= now()))::float8
         AS oldest_runnable_s
FROM jobs
GROUP BY kind, state
ORDER BY kind, state
