-- The number of emails in each folder of the console (the folders' definitions are those of the list_*.sql
-- files beside this one). Each count is its own index-only scan of an index holding only that folder's rows
-- (0017_console_speed.sql), so none reads the emails table itself.
-- At 100,000 emails (bench seed, VACUUM ANALYZE; 2 shared cores at load ~8), 20 runs of the statement:
--   before: one pass over emails (parallel seq scan, 78 MB) + heap reads of the failed effects and jobs:
--           median 174 ms, p95 240 ms (EXPLAIN ANALYZE 346-515 ms)
--   after:  index-only scans, Heap Fetches: 0: median 21-27 ms, p95 31-39 ms. It still grows with the folders:
--           All (100,000 index entries) is half of it and Answered (50,000) a quarter; at millions of emails a
--           counts table kept by the statements that set dispositions would be the next step.
SELECT
  (SELECT count(*)::int FROM emails e
   WHERE e.handled_at IS NULL
     AND (e.disposition = 'with_person' OR (e.disposition = 'pending' AND e.routed_at IS NOT NULL))) AS needs_person,
  (SELECT count(*)::int FROM emails e WHERE e.disposition = 'answered') AS answered,
  (SELECT count(DISTINCT f.email_id)::int FROM effects f WHERE f.kind = 'reply' AND f.state = 'suppressed') AS withheld,
  (SELECT count(*)::int FROM emails e WHERE e.disposition = 'filtered') AS filtered,
  -- As a union of ids, each part from its own index: an EXISTS per email took 870 ms over 100,000 emails.
  (SELECT count(*)::int FROM (
     SELECT p.id FROM emails p WHERE p.parse_error IS NOT NULL
     UNION SELECT f.email_id FROM effects f WHERE f.state = 'failed'
     UNION SELECT (j.payload ->> 'email_id')::int FROM jobs j WHERE j.state = 'failed' AND j.payload ? 'email_id'
   ) p) AS problems,
  (SELECT count(*)::int FROM emails e) AS all
