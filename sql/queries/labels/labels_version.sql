-- What changes whenever the examples do: the newest label and the latest retraction. A classifier reads this
-- before each decision (two index lookups: the primary key and labels_retracted_idx) and reloads its examples
-- only when it moved.
SELECT coalesce(max(id), 0)::bigint AS last_id,
       coalesce((SELECT max(retracted_at) FROM labels WHERE retracted_at IS NOT NULL)::text, '') AS retracted
FROM labels
