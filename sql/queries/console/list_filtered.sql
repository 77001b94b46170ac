-- "Filtered: automated mail, spam and viruses, visible so that nothing disappears unseen", newest first. Keyset pagination: the page before id $1.
-- $1 before this id (NULL: the newest), $2..$8 the filters (src/console/filters.ts; NULL: none), $9 page size
SELECT e.id, e.sender, e.sender_name, e.subject, e.received_at, e.intent, e.classifier, e.disposition, e.disposition_reason, e.disposition_reason AS note
FROM emails e
WHERE e.disposition = 'filtered'
  AND ($1::int IS NULL OR e.id < $1::int)
  -- $2 words of the sender's address and domain, the subject and the own text (the GIN index of 0012)
  AND ($2::text IS NULL OR e.search @@ websearch_to_tsquery('simple', $2::text))
  -- $3 the From filter as an address prefix (LIKE, on the text_pattern_ops index), or $4 as a domain (on
  -- the (sender_domain, id) index, which also gives the id order): never both, so never an OR that would keep
  -- the planner from either index (an OR of the two read all 100,000 emails: 0.5-1 s).
  AND ($3::text IS NULL OR lower(e.sender) LIKE $3::text)
  AND ($4::text IS NULL OR e.sender_domain = $4::text)
  AND ($5::text IS NULL OR e.intent = $5::text)
  AND ($6::text IS NULL OR e.classifier = $6::text)
  AND ($7::timestamptz IS NULL OR e.received_at >= $7::timestamptz)
  AND ($8::timestamptz IS NULL OR e.received_at < $8::timestamptz)
ORDER BY e.id DESC
LIMIT $9::int
