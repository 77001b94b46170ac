-- Emails by disposition (answered, with_person, filtered, pending), and how long the oldest pending one has
-- waited since it was received, for `status` and /metrics. An index-only scan of emails_disposition_idx.
SELECT disposition, count(*)::int AS count,
       coalesce(extract(epoch FROM now() - min(received_at) FILTER (WHERE disposition = 'pending')), 0)::float8
         AS oldest_pending_s
FROM emails
GROUP BY disposition
