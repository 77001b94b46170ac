-- Conversations and dispositions (issue 15): every email ends answered automatically, with a person, or
-- filtered on purpose, and which of the three is stored on the email.

-- The subject as mail clients thread it: reply and forward prefixes ("Re:", "AW:", "RE :", "Fwd:", "Re[2]:",
-- repeated) and list tags cut, case and runs of white space folded. NULL for an empty subject, which never
-- threads by guess. At most 200 characters (of the first 2,000): a btree entry must stay under ~2,700 bytes,
-- and a hostile subject of megabytes must cost nothing.
CREATE FUNCTION thread_subject(subject text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT nullif(left(lower(btrim(regexp_replace(
    regexp_replace(left(subject, 2000), '^(\s*(\[[^\]]{0,40}\]|(re|aw|sv|vs|wg|fwd?|tr|antw|rif|odp)\s*(\[\d+\]|\(\d+\))?\s*:))+', '', 'i'),
    '\s+', ' ', 'g'))), 200), '')
$$;

-- The Message-ID of each reply and forward we send, so that an answer to it finds its conversation.
ALTER TABLE effects ADD COLUMN message_id text;
UPDATE effects SET message_id = payload ->> 'message_id' WHERE kind IN ('reply', 'forward');
CREATE INDEX effects_message_id_idx ON effects (message_id) WHERE message_id IS NOT NULL;
-- What a reply that may go stands for, should it not go: the hand-off effects (kind, purpose, payload) that
-- are stored when it fails for good, so that the email still reaches a person.
ALTER TABLE effects ADD COLUMN fallback jsonb;

ALTER TABLE emails
  ADD COLUMN thread_subject text GENERATED ALWAYS AS (thread_subject(subject)) STORED,
  -- The first email of the conversation (the email itself when it starts one); set when it is routed.
  ADD COLUMN conversation_id integer REFERENCES emails (id),
  -- The email this one answers or follows (NULL when it starts the conversation).
  ADD COLUMN thread_parent_id integer REFERENCES emails (id),
  -- How it was linked: by its In-Reply-To/References naming our reply or forward ('our_reply',
  -- 'our_forward') or an earlier email ('header'), or guessed from sender and subject ('guessed').
  ADD COLUMN thread_link text CHECK (thread_link IN ('our_reply', 'our_forward', 'header', 'guessed')),
  -- answered: a reply of ours was delivered; with_person: a hand-off or CRM task was delivered; filtered:
  -- automated mail, spam or a virus; pending: none of them yet. Set with its reason whenever effects change.
  ADD COLUMN disposition text NOT NULL DEFAULT 'pending'
    CHECK (disposition IN ('pending', 'answered', 'with_person', 'filtered')),
  ADD COLUMN disposition_reason text,
  -- Set when a follow-up is closed without a hand-off (it only thanks us for an answer we sent).
  ADD COLUMN closed_reason text,
  ADD CONSTRAINT emails_parent_link CHECK ((thread_parent_id IS NULL) = (thread_link IS NULL));

CREATE INDEX emails_conversation_idx ON emails (conversation_id, id);
CREATE INDEX emails_thread_guess_idx ON emails (left(lower(sender), 200), thread_subject, received_at)
  WHERE thread_subject IS NOT NULL;
CREATE INDEX emails_disposition_idx ON emails (disposition, id);

-- The disposition of an email from its classification and effects. A hand-off (any forward, any webhook:
-- escalation, triage, CRM task) delivered puts it with a person, even when a reply went too (the person has
-- the next word); a reply delivered answers it; automated mail, spam and viruses are filtered whatever else
-- happened (AUTOMATED_ACTION=handoff still files them as filtered: the hand-off is for information).
CREATE FUNCTION email_disposition(p_id integer, OUT disposition text, OUT reason text)
LANGUAGE sql STABLE AS $$
  WITH e AS (
    SELECT e.automated, e.closed_reason,
           (SELECT string_agg(r, ', ') FROM jsonb_array_elements_text(e.rule_reasons) AS r
             WHERE r ~* '^(spam|virus)-verdict:fail') AS spam,
           (SELECT string_agg(r, ', ') FROM (SELECT r FROM jsonb_array_elements_text(e.rule_reasons) AS r
             LIMIT 3) AS x) AS rules
    FROM emails e WHERE e.id = p_id
  ), f AS (
    SELECT string_agg(purpose, ', ' ORDER BY id) FILTER (WHERE state = 'delivered' AND kind <> 'reply') AS person,
           string_agg(purpose, ', ' ORDER BY id) FILTER (WHERE state = 'delivered' AND kind = 'reply') AS replied,
           string_agg(purpose, ', ' ORDER BY id) FILTER (WHERE state = 'pending') AS waiting,
           string_agg(purpose || ': ' || left(coalesce(last_error, ''), 200), '; ' ORDER BY id)
             FILTER (WHERE state = 'failed') AS failed
    FROM effects WHERE email_id = p_id
  )
  SELECT CASE
           WHEN e.automated THEN 'filtered'
           WHEN e.spam IS NOT NULL THEN 'filtered'
           WHEN f.person IS NOT NULL THEN 'with_person'
           WHEN f.replied IS NOT NULL THEN 'answered'
           WHEN e.closed_reason IS NOT NULL THEN 'answered'
           ELSE 'pending'
         END,
         CASE
           WHEN e.automated THEN 'automated: ' || coalesce(e.rules, 'rules')
           WHEN e.spam IS NOT NULL THEN e.spam
           WHEN f.person IS NOT NULL THEN 'handed off: ' || f.person
           WHEN f.replied IS NOT NULL THEN 'replied: ' || f.replied
           WHEN e.closed_reason IS NOT NULL THEN e.closed_reason
           WHEN f.waiting IS NOT NULL THEN 'waiting for: ' || f.waiting
           WHEN f.failed IS NOT NULL THEN 'failed: ' || f.failed
           ELSE 'nothing was sent and no hand-off was made (is HUMAN_EMAIL or ESCALATION_WEBHOOK_URL set?)'
         END
  FROM e, f
$$;

-- Emails processed before this migration get theirs now; the check below holds from here on.
UPDATE emails e SET (disposition, disposition_reason) = (SELECT d.disposition, d.reason FROM email_disposition(e.id) d)
WHERE e.routed_at IS NOT NULL;
UPDATE emails SET processed = false, processed_at = NULL WHERE processed AND disposition = 'pending';

-- The rule of issue 15 in the database: an email is processed only once it is answered, with a person or
-- filtered.
ALTER TABLE emails ADD CONSTRAINT emails_processed_disposition CHECK (NOT processed OR disposition <> 'pending');
