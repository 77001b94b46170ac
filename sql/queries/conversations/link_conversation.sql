-- Links an email to the conversation it follows, once (a second run returns the stored link). First by the
-- Message-IDs its In-Reply-To and References name, nearest first: one of our replies or forwards, or an
-- earlier email; else by guess, as mail clients do: the latest earlier email from the same address with the
-- same thread subject (prefixes cut) received within the window. A link is only ever to an earlier email, so
-- conversations cannot loop. An email that follows nothing starts its own conversation.
-- $1 email id, $2 Message-IDs it names (text[], nearest first), $3 guess window in milliseconds
WITH me AS (
  SELECT id, left(lower(sender), 200) AS sender, thread_subject, received_at FROM emails WHERE id = $1
), refs AS (
  SELECT m, n FROM unnest($2::text[]) WITH ORDINALITY AS r(m, n)
), by_header AS (
  SELECT f.email_id AS parent_id, CASE f.kind WHEN 'reply' THEN 'our_reply' ELSE 'our_forward' END AS link, r.n
  FROM refs r JOIN effects f ON f.message_id = r.m JOIN me ON f.email_id < me.id
  UNION ALL
  SELECT p.id, 'header', r.n
  FROM refs r JOIN emails p ON p.message_id = r.m JOIN me ON p.id < me.id
), guess AS (
  SELECT p.id AS parent_id, 'guessed' AS link
  FROM emails p JOIN me ON left(lower(p.sender), 200) = me.sender AND p.thread_subject = me.thread_subject
  WHERE p.id < me.id AND p.received_at >= me.received_at - make_interval(secs => $3 / 1000.0)
    AND NOT EXISTS (SELECT 1 FROM by_header)
  -- In the order of emails_thread_guess_idx (received_at, after its equalities), so that no plan walks the
  -- primary key backwards from this email instead, filtering on sender and subject through every earlier
  -- email when none is in the window (an earlier attempt measured 4.1 s a message that way with 1,000,000
  -- emails of history, 15 ms like this).
  ORDER BY p.received_at DESC, p.id DESC
  LIMIT 1
), chosen AS (
  SELECT parent_id, link FROM (SELECT parent_id, link, n FROM by_header ORDER BY n, parent_id DESC LIMIT 1) h
  UNION ALL
  SELECT parent_id, link FROM guess
), linked AS (
  UPDATE emails e
  SET conversation_id = coalesce(
        (SELECT coalesce(p.conversation_id, p.id) FROM chosen c JOIN emails p ON p.id = c.parent_id), e.id),
      thread_parent_id = (SELECT parent_id FROM chosen),
      thread_link = (SELECT link FROM chosen),
      updated_at = now()
  WHERE e.id = $1 AND e.conversation_id IS NULL
  RETURNING e.conversation_id, e.thread_parent_id, e.thread_link
)
SELECT conversation_id, thread_parent_id AS parent_id, thread_link AS link FROM linked
UNION ALL
SELECT conversation_id, thread_parent_id, thread_link FROM emails WHERE id = $1 AND conversation_id IS NOT NULL
