#!/bin/bash
# The console's search and filters over 100,000 seeded emails: EXPLAIN ANALYZE of a folder's list query
# (custom plans, as postgres.js runs them) for each kind of search. The figures are in
# sql/migrations/0012_console_search.sql.
#   bench/console_search.sh seed      # a schema console_search_bench in $PGURL (default: the test database)
#   bench/console_search.sh [FOLDER]  # measure list_FOLDER.sql (default: all)
#   bench/console_search.sh drop
set -euo pipefail
cd "$(dirname "$0")/.."
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
SCHEMA=console_search_bench
psqlq() { psql "$PGURL" -q -v ON_ERROR_STOP=1 "$@"; }
case "${1:-all}" in
seed)
  {
    echo "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA; SET search_path TO $SCHEMA;"
    for m in sql/migrations/*.sql; do echo "\\i $m"; done
    cat <<'SQL'
INSERT INTO raw_messages (source_key, source, sha256, size_bytes, raw, content_key)
SELECT 'k' || g, 'files', 'x', 10, 'x'::bytea, 'c' || g FROM generate_series(1, 100000) g;
-- Every fifth sender at big.example, the others spread over 500 domains; six subjects and bodies.
INSERT INTO emails (message_id, sender, subject, body, received_at, intent_flags, raw_id, size_bytes,
                    content_key, classifier, classified_at)
SELECT '<m' || g || '@x>',
       CASE WHEN g % 5 = 0 THEN 'user' || g || '@big.example' ELSE 'user' || g || '@d' || (g % 500) || '.example' END,
       'Subject ' || (ARRAY['pricing','account','invoice','refund','hello','question'])[1 + g % 6] || ' ' || g,
       'Hello, I would like to know about ' || (ARRAY['plans','pricing','billing','login','password','shipping'])[1 + g % 6]
         || ' number ' || g || E'. Regards\n> quoted old text ' || md5(g::text),
       now() - (100000 - g) * interval '5 minutes',
       jsonb_build_array(g % 4 = 0, g % 4 = 1, g % 4 = 2, g % 4 = 3, false),
       g, 100, 'c' || g, (ARRAY['rules','llm','offline'])[1 + g % 3], now()
FROM generate_series(1, 100000) g;
SQL
  } | psqlq
  psqlq -c "VACUUM ANALYZE $SCHEMA.emails"
  ;;
drop) psqlq -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" ;;
*)
  {
    echo "SET search_path TO $SCHEMA;"
    echo "PREPARE q(int,text,text,text,text,text,timestamptz,timestamptz,int) AS"
    grep -v '^\s*--' "sql/queries/console/list_${1:-all}.sql"; echo ";"
    run() { echo "\\echo $1"; echo "EXPLAIN (ANALYZE, COSTS OFF) EXECUTE q($2);"; }
    run "none" "NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,51"
    run "q one address" "NULL,'user77@d77.example',NULL,NULL,NULL,NULL,NULL,NULL,51"
    run "q @domain (200)" "NULL,'@d7.example',NULL,NULL,NULL,NULL,NULL,NULL,51"
    run "q domain (20000)" "NULL,'big.example',NULL,NULL,NULL,NULL,NULL,NULL,51"
    run "q common word" "NULL,'pricing',NULL,NULL,NULL,NULL,NULL,NULL,51"
    run "q word only in quoted text (0)" "NULL,'e4da3b7fbbce2345d7772b0674a318d5',NULL,NULL,NULL,NULL,NULL,NULL,51"
    run "q rare word (1)" "NULL,'77777',NULL,NULL,NULL,NULL,NULL,NULL,51"
    run "q two words (1)" "NULL,'pricing 77778',NULL,NULL,NULL,NULL,NULL,NULL,51"
    run "from exact" "NULL,NULL,'user77@d77.example%',NULL,NULL,NULL,NULL,NULL,51"
    run "from prefix (11)" "NULL,NULL,'user1234%',NULL,NULL,NULL,NULL,NULL,51"
    run "from @domain (200)" "NULL,NULL,NULL,'d7.example',NULL,NULL,NULL,NULL,51"
    run "from domain (20000)" "NULL,NULL,NULL,'big.example',NULL,NULL,NULL,NULL,51"
    run "intent+classifier" "NULL,NULL,NULL,NULL,'speak_to_human','llm',NULL,NULL,51"
    run "one day" "NULL,NULL,NULL,NULL,NULL,NULL,now()-interval '200 days',now()-interval '199 days',51"
    run "domain+intent+dates" "NULL,NULL,NULL,'d7.example','send_info',NULL,now()-interval '300 days',now(),51"
  } | psqlq | grep -E "^[a-z]|Execution Time" | paste - - | sed 's/\t *Execution Time:/:/'
  ;;
esac
