-- The raw bytes of an email's delivery for the .eml download, as base64 without line breaks (see
-- src/db/base64.ts); NULL when they were not stored (oversize) or retention dropped them (raw_dropped_at):
-- `location` keeps them.
-- $1 email id
SELECT translate(encode(r.raw, 'base64'), E'\n', '') AS raw, r.location, r.raw_dropped_at
FROM emails e JOIN raw_messages r ON r.id = e.raw_id
WHERE e.id = $1
