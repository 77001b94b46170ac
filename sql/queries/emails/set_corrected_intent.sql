-- A person's correction of a classified email's intent: the new one-hot flags, and one more correction (its
-- number suffixes the purposes of the effects routed again). Guarded by the intent the person saw, so that two
-- corrections at once cannot both re-route from the same state. Returns the correction number.
-- $1 id, $2 intent_flags (JSON text), $3 the intent it must have now
UPDATE emails
SET intent_flags = $2::text::jsonb, corrections = corrections + 1, updated_at = now()
WHERE id = $1 AND intent = $3 AND classified_at IS NOT NULL
RETURNING corrections
