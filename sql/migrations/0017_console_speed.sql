-- 0017_console_speed: the console's pages under 100 ms at 100,000 emails (`deno task bench --only console`).
-- Every page counts its folders (count_folders.sql); that count read the whole emails table (a parallel seq
-- scan of 78 MB) and the heap rows of every failed effect and job, ~350-500 ms. Each count is now an
-- index-only scan of a partial index that holds only its folder's rows (figures in count_folders.sql and in
-- the README's Performance section).

-- "Needs a person", with the folder's exact predicate (0010's emails_needs_person_idx lacks routed_at, so
-- its rows had to be read from the heap): the count and the list read only this index.
CREATE INDEX emails_needs_person_open_idx ON emails (id)
  WHERE handled_at IS NULL AND (disposition = 'with_person' OR (disposition = 'pending' AND routed_at IS NOT NULL));

-- "Problems": the emails of failed effects, without reading the effects (0003's effects_open_idx is on state
-- and returns heap rows).
CREATE INDEX effects_failed_email_idx ON effects (email_id) WHERE state = 'failed';

-- "Problems": the emails of failed jobs (classify and route jobs name their email in the payload).
CREATE INDEX jobs_failed_email_idx ON jobs (((payload ->> 'email_id')::int))
  WHERE state = 'failed' AND payload ? 'email_id';

-- An email's page lists its jobs that met an error (list_email_jobs.sql) by email, by delivery and by
-- effect: it scanned every job (~450,000 rows at 100,000 emails: ~280-400 ms). These hold only the jobs that
-- met an error and are not done, so they stay as small as the trouble.
CREATE INDEX jobs_erred_email_idx ON jobs (((payload ->> 'email_id')::int))
  WHERE state IN ('failed', 'pending', 'running') AND last_error IS NOT NULL;
CREATE INDEX jobs_erred_raw_idx ON jobs (((payload ->> 'raw_id')::bigint))
  WHERE state IN ('failed', 'pending', 'running') AND last_error IS NOT NULL;
CREATE INDEX jobs_erred_effect_idx ON jobs (((payload ->> 'effect_id')::bigint))
  WHERE state IN ('failed', 'pending', 'running') AND last_error IS NOT NULL;
