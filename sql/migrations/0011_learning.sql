-- Learning from people (issue 16): a correction can be undone (its label is retracted, never deleted, so the
-- audit trail and the page keep it), and an email records which labelled examples its decision used.

ALTER TABLE labels
  ADD COLUMN retracted_at timestamptz,
  ADD COLUMN retracted_by text,
  ADD CONSTRAINT labels_retracted_check CHECK ((retracted_at IS NULL) = (retracted_by IS NULL));

-- The examples learning reads: the labels still standing (a retracted one teaches nothing).
CREATE INDEX labels_active_idx ON labels (email_id, id) WHERE retracted_at IS NULL;
-- The latest retraction, read before each classification to see whether the examples changed.
CREATE INDEX labels_retracted_idx ON labels (retracted_at) WHERE retracted_at IS NOT NULL;

-- Which labelled examples influenced the classification, and how: {"how": "neighbours" | "prompt",
-- "without": the intent it would have had without them (neighbours), "labels": [{"id", "email_id", "intent",
-- "similarity"}]}. NULL when nothing learned was used.
ALTER TABLE emails ADD COLUMN learned_from jsonb;
