-- The suppression list's size by source, for /metrics.
SELECT source, count(*)::int AS count
FROM suppressions
GROUP BY source
