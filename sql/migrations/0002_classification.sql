-- 0002_classification: what decided each email's intent, and the rules' verdict on replying to it.
ALTER TABLE emails
  ADD COLUMN classified_at timestamptz,
  ADD COLUMN automated boolean,
  ADD COLUMN auto_reply_ok boolean,
  -- Why the rules decided as they did, e.g. ["header:auto-submitted=auto-replied", "spam-verdict:FAIL"].
  ADD COLUMN rule_reasons jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN classifier text CHECK (classifier IN ('rules', 'llm', 'offline')),
  ADD COLUMN classifier_model text,
  ADD COLUMN classifier_latency_ms integer,
  ADD COLUMN prompt_tokens integer,
  ADD COLUMN completion_tokens integer,
  -- Why the fallback decided (the LLM's last error), when it did.
  ADD COLUMN classifier_note text,
  -- The intent's name, derived from intent_flags, for people reading the table.
  ADD COLUMN intent text GENERATED ALWAYS AS (
    CASE 'true'::jsonb
      WHEN intent_flags -> 0 THEN 'send_info'
      WHEN intent_flags -> 1 THEN 'create_account'
      WHEN intent_flags -> 2 THEN 'unknown'
      WHEN intent_flags -> 3 THEN 'speak_to_human'
      WHEN intent_flags -> 4 THEN 'reserved'
    END
  ) STORED;

CREATE INDEX emails_unclassified_idx ON emails (id) WHERE classified_at IS NULL;
