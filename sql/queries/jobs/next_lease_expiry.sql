-- Milliseconds until the earliest lease of a running job expires (NULL when nothing runs). `run --once` waits
-- for it, so a job leased to a worker that died is run before the command exits. (No greatest(0, …) around
-- the min: GREATEST ignores NULLs, and "nothing runs" must stay NULL.)
SELECT CASE WHEN min(locked_until) IS NULL THEN NULL
            ELSE extract(epoch FROM min(locked_until) - now()) * 1000 END::float8 AS ms
FROM jobs
WHERE state = 'running'
