-- Deletes up to $2 done jobs that finished before $1 (a batch: short locks; the caller repeats until fewer
-- come back). Failed jobs are never deleted: they stay until requeued or resolved. Rows another transaction
-- holds are skipped (SKIP LOCKED), not waited for. Uses jobs_done_idx.
-- $1 cutoff (timestamptz), $2 batch size
DELETE FROM jobs
WHERE id IN (
  SELECT id FROM jobs
  WHERE state = 'done' AND finished_at < $1::timestamptz
  ORDER BY finished_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
AND state = 'done'
