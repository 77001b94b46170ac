-- What changes whenever the examples do: the newest label and the count of retracted ones. A classifier reads
-- this (one small aggregate) before each decision and reloads its examples only when it moved.
SELECT coalesce(max(id), 0)::bigint AS last_id, count(retracted_at)::bigint AS retracted FROM labels
