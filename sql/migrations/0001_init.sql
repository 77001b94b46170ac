-- 0001_init: raw messages, emails (the seed's table, extended) and the job table.
-- Forward-only: never edit this file once it has landed; add 0002_… instead.

-- The one-hot intent array: exactly five JSON booleans, exactly one of them true.
CREATE FUNCTION is_one_hot(flags jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_typeof(flags) = 'array'
     AND jsonb_array_length(flags) = 5
     AND (SELECT bool_and(jsonb_typeof(e) = 'boolean') AND count(*) FILTER (WHERE e = 'true'::jsonb) = 1
            FROM jsonb_array_elements(flags) AS e)
$$;

-- Every message exactly as the source delivered it, stored before anything else happens to it, so a parser
-- bug or a crash never loses mail: a `parse` job turns it into an `emails` row and can be requeued.
CREATE TABLE raw_messages (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Idempotency key of the delivery: `s3://bucket/key` for S3, `sha256:<hex>` for files.
  source_key  text NOT NULL UNIQUE,
  source      text NOT NULL,
  -- Where the original lives after ingest (processed prefix, processed folder), for operators.
  location    text,
  sha256      text NOT NULL,
  size_bytes  bigint NOT NULL CHECK (size_bytes >= 0),
  -- NULL only when the message was not read (over MAX_MESSAGE_BYTES): then `location` holds it.
  raw         bytea,
  -- Why this delivery did not become an email of its own (oversize, duplicate Message-ID, …).
  error       text,
  email_id    integer,
  received_at timestamptz NOT NULL DEFAULT now(),
  CHECK (raw IS NOT NULL OR location IS NOT NULL)
);

-- The seed's table: the first eight columns keep their names and meanings.
CREATE TABLE emails (
  id            SERIAL PRIMARY KEY,
  message_id    text UNIQUE NOT NULL,
  sender        text NOT NULL,
  subject       text,
  body          text,
  received_at   timestamptz DEFAULT now(),
  -- Order: send_info, create_account, unknown, speak_to_human, reserved. `unknown` until classified.
  intent_flags  jsonb NOT NULL DEFAULT '[false, false, true, false, false]' CHECK (is_one_hot(intent_flags)),
  processed     boolean DEFAULT false,
  -- Extensions.
  raw_id        bigint NOT NULL UNIQUE REFERENCES raw_messages (id),
  -- true when message_id was generated (no usable Message-ID header): `<sha256@ses-daemon-bot.invalid>`.
  message_id_generated boolean NOT NULL DEFAULT false,
  sender_name   text,
  reply_to      text,
  recipients    jsonb NOT NULL DEFAULT '[]',
  in_reply_to   text,
  "references"  text,
  sent_at       timestamptz,
  body_html     boolean NOT NULL DEFAULT false,
  headers       jsonb NOT NULL DEFAULT '{}',
  attachments   jsonb NOT NULL DEFAULT '[]',
  size_bytes    bigint NOT NULL,
  parse_error   text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE raw_messages ADD FOREIGN KEY (email_id) REFERENCES emails (id);

-- All processing state. A job is `pending` (waiting for run_at), `running` (leased to locked_by until
-- locked_until), `done`, or `failed` (attempts used up or a permanent error: a human looks, then requeues).
CREATE TABLE jobs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL,
  -- Enqueueing is idempotent on this key (for example `parse:raw:42`): a retried transaction never doubles a job.
  unique_key   text UNIQUE,
  payload      jsonb NOT NULL DEFAULT '{}',
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
  attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  run_at       timestamptz NOT NULL DEFAULT now(),
  locked_by    text,
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  CHECK ((state = 'running') = (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);

-- The claim query reads only runnable rows in run_at order; done/failed rows never enter this index.
CREATE INDEX jobs_runnable_idx ON jobs (run_at, id) WHERE state = 'pending';
-- The lease rescuer reads only running rows.
CREATE INDEX jobs_leased_idx ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_failed_idx ON jobs (updated_at) WHERE state = 'failed';

-- Wake sleeping workers (LISTEN ses_daemon_bot_jobs) whenever jobs become runnable, whoever wrote them.
CREATE FUNCTION notify_jobs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ses_daemon_bot_jobs', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs FOR EACH STATEMENT EXECUTE FUNCTION notify_jobs();
CREATE TRIGGER jobs_notify_requeue AFTER UPDATE OF state ON jobs FOR EACH ROW
  WHEN (NEW.state = 'pending' AND OLD.state <> 'pending' AND NEW.run_at <= now())
  EXECUTE FUNCTION notify_jobs();
