-- 0015_raw_uploads: a large message's bytes are sent in 1 MiB pieces and put together by PostgreSQL, so the
-- daemon never holds the whole message as one base64 string (a 40 MB message peaked at ~540 MiB RSS with a
-- 56 MB parameter and its wire copies). UNLOGGED: a piece is only needed until its message is stored, and a
-- crash mid-upload leaves the message in its source, read again on the next poll.
CREATE UNLOGGED TABLE raw_uploads (
  upload_id  uuid        NOT NULL,
  n          int         NOT NULL,
  piece      bytea       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (upload_id, n)
);
