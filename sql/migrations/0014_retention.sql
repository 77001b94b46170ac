-- 0014_retention: bounded storage (issue 18). Done jobs are deleted after RETENTION_JOBS, and the raw bytes of
-- processed emails are dropped after RETENTION_RAW where the original is still kept at its `location`.

-- When the raw bytes were dropped (the original stays at `location`); NULL while they are stored.
ALTER TABLE raw_messages ADD COLUMN raw_dropped_at timestamptz;
ALTER TABLE raw_messages ADD CONSTRAINT raw_messages_dropped_kept
  CHECK (raw_dropped_at IS NULL OR (raw IS NULL AND location IS NOT NULL));

-- The raw bytes retention may drop, oldest first: only rows that still hold them and name a location.
CREATE INDEX raw_messages_droppable_idx ON raw_messages (received_at, id)
  WHERE raw IS NOT NULL AND location IS NOT NULL;

-- Done jobs by age, for their deletion in batches (one more index entry per completed job; without it each
-- batch scanned the whole table: 15 million rows after a year at 10,000 messages a day).
CREATE INDEX jobs_done_idx ON jobs (finished_at) WHERE state = 'done';

-- One row per retention run. At most one run is unfinished at a time (the unique index below), whichever
-- daemon started it: it holds a lease, renewed between batches; a run whose daemon died is closed once its
-- lease has expired, and the next one may start.
CREATE TABLE retention_runs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  locked_by     text NOT NULL,
  locked_until  timestamptz NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  jobs_deleted  bigint NOT NULL DEFAULT 0,
  raw_dropped   bigint NOT NULL DEFAULT 0,
  -- Raw bytes kept because the original was not found at its location (never the only copy).
  raw_kept      bigint NOT NULL DEFAULT 0,
  error         text
);
CREATE UNIQUE INDEX retention_runs_one_open_idx ON retention_runs ((true)) WHERE finished_at IS NULL;
