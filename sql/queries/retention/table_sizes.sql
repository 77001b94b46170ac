-- Size on disk of each table of the schema (with its indexes and TOAST), largest first, for `status`.
SELECT c.relname AS table_name, pg_total_relation_size(c.oid)::bigint AS bytes, greatest(c.reltuples, 0)::bigint AS rows_estimate
FROM pg_class c
WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
ORDER BY bytes DESC, table_name
