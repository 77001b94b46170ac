-- Effects by kind and state, for `status`.
SELECT kind, state, count(*)::int AS count FROM effects GROUP BY kind, state ORDER BY kind, state
