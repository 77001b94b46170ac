-- The jobs not finished yet (pending, due or not, and running), for the progress line of `run --once` and
-- `ingest`. Both states have a partial index (jobs_runnable_idx, jobs_leased_idx), so the count reads only
-- the open jobs, never the done ones.
SELECT (SELECT count(*) FROM jobs WHERE state = 'pending')::int
     + (SELECT count(*) FROM jobs WHERE state = 'running')::int AS open
