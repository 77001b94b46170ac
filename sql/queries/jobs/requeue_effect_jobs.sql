-- Makes the deliver job of each retried effect runnable now, whatever became of it: done or failed (the usual
-- case); running, when the run that failed the effect has returned but its batched completion is not written
-- yet (requeued here, that late completion no longer matches the job's state and claim, and is dropped; before,
-- only done and failed jobs were requeued, and such an effect stayed pending with no job for good); or
-- missing (inserted, as store_route.sql does). Attempts keep counting up, as they fence each claim; the job
-- gets $3 more. Returns one row per effect.
-- $1 effect ids (bigint[]), $2 deliver job kind, $3 attempts to give
INSERT INTO jobs AS j (kind, unique_key, payload, max_attempts)
SELECT $2::text, $2::text || ':effect:' || e, jsonb_build_object('effect_id', e), $3::int
FROM unnest($1::bigint[]) AS e
ON CONFLICT (unique_key) DO UPDATE
SET state = 'pending',
    run_at = now(),
    max_attempts = j.attempts + $3::int,
    finished_at = NULL,
    locked_by = NULL,
    locked_until = NULL,
    updated_at = now()
RETURNING id
