-- Retracts a label (an undone correction): kept, for the audit trail, but no longer learned from. Guarded, so
-- that two undos at once retract it once. $1 label id, $2 who
UPDATE labels SET retracted_at = now(), retracted_by = $2
WHERE id = $1 AND retracted_at IS NULL
RETURNING id
