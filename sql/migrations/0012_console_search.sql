-- 0012_console_search: the console's search and filters on every folder (issue 16), each backed by an index.
--
-- Measured on 100,000 seeded emails (PostgreSQL 15, this 2-core machine shared with other work; EXPLAIN ANALYZE
-- of list_all.sql, custom plans, 51 rows, middle of 3 runs): no filter 0.4 ms. Search box: one address 0.4 ms,
-- @domain of 200 emails 34 ms, a domain of 20,000 0.6 ms, a common word 0.1 ms, a rare word 0.2 ms, two words
-- 0.2 ms. From filter: exact address 0.2 ms, prefix 0.2 ms, domain of 200 0.2 ms, of 20,000 0.1 ms. Intent +
-- classifier 1 ms, one day 16 ms, domain + intent + dates 0.4 ms. (An ILIKE '%…%' on the sender read every
-- row: 430 ms.) Reproduce: bench/console_search.sh seed && bench/console_search.sh all. Through postgres.js
-- (named prepared statements), after 20 unfiltered pages: every kind of search 1-14 ms with the round trip,
-- so PostgreSQL kept custom plans (bench/console_search_pg.ts).

-- The search box's words: the sender's address and its domain, the subject and the sender's own text (the body
-- up to its first quoted line, "\n>"), 'simple' configuration (no stemming: mail comes in many languages), at
-- most 100,000 characters of body. One GIN index answers any mix of them.
ALTER TABLE emails ADD COLUMN search tsvector GENERATED ALWAYS AS (
  to_tsvector('simple'::regconfig,
              lower(sender) || ' ' || split_part(lower(sender), '@', -1) || ' ' || coalesce(subject, '') || ' ' ||
              left(split_part(coalesce(body, ''), E'\n>', 1), 100000))
) STORED;
CREATE INDEX emails_search_idx ON emails USING gin (search);

-- The From filter: an exact address or a prefix of it (LIKE 'anna%' on lower(sender), text_pattern_ops so that
-- any collation serves a prefix), or a domain. The domain is a stored column, not an expression index, so that
-- its (domain, id) index answers alone (PostgreSQL does not scan an expression index index-only): 20,000 ids
-- of one domain in 17 ms instead of 200 ms through the heap.
CREATE INDEX emails_sender_lower_idx ON emails (lower(sender) text_pattern_ops);
ALTER TABLE emails ADD COLUMN sender_domain text GENERATED ALWAYS AS (split_part(lower(sender), '@', -1)) STORED;
CREATE INDEX emails_sender_domain_idx ON emails (sender_domain, id);

-- Filters by date, intent and classifier, each with id for keyset pages.
CREATE INDEX emails_received_idx ON emails (received_at, id);
CREATE INDEX emails_intent_idx ON emails (intent, id);
CREATE INDEX emails_classifier_idx ON emails (classifier, id);
