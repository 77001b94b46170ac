#!/usr/bin/env bash
# `deno compile` cannot run here (it downloads its runtime), so the artifact check is the bundle: one file,
# run with an empty DENO_DIR (no cached modules, no network), against PostgreSQL (PGlite's wasm does not
# survive bundling; the compiled binary embeds it). It must ingest a few corpus messages and report them.
set -euo pipefail
cd "$(dirname "$0")/.."
deno task bundle
tmp=$(mktemp -d)
schema="smoke_$$"
url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
cleanup() { psql "$url" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
psql "$url" -qc "CREATE SCHEMA $schema"
mkdir -p "$tmp/inbox" "$tmp/deno_dir"
# No `ls | head` here: under pipefail, head closing the pipe early fails the script with SIGPIPE (141).
corpus=(../shared/corpus/dev/*.eml)
cp "${corpus[@]:0:20}" "$tmp/inbox/"
# And one that takes seconds to parse (600,000 short lines): the parse worker, started from the bundle file
# itself, must be cut at PARSE_TIMEOUT and replaced, the message stored with the reason.
awk 'BEGIN { printf "From: slow@example.com\r\nSubject: slow\r\nMessage-ID: <slow@example.com>\r\n\r\n";
  for (i = 0; i < 600000; i++) printf "a\r\n" }' > "$tmp/inbox/zz-slow.eml"
# Run from the temporary folder: no deno.json is found, so the bundle gets only this command line's flags.
# --unstable-worker-options: the parse workers run with no permissions (Worker's deno.permissions option).
run() {
  (cd "$tmp" && DENO_DIR="$tmp/deno_dir" DATABASE_URL="$url" DATABASE_SCHEMA="$schema" INBOX_DIR="$tmp/inbox" \
    PARSE_TIMEOUT=1s deno run --unstable-worker-options --allow-env --allow-read --allow-write --allow-net \
    --allow-sys "$OLDPWD/dist/ses-daemon-bot.js" "$@")
}
run run --once > "$tmp/log.jsonl"
status=$(run status --json)
echo "bundle smoke: $status"
[[ $status == *'"emails_total":21,'* ]] || { echo "bundle smoke: expected 21 emails"; tail -5 "$tmp/log.jsonl"; exit 1; }
[[ $status == *'"emails_processed":21,'* ]] || { echo "bundle smoke: expected 21 processed"; exit 1; }
reason=$(psql "$url" -tAc "SELECT parse_error FROM $schema.emails WHERE subject IS NULL AND size_bytes > 1000000")
[ "$reason" = "Cannot parse message: parsing took longer than 1 s" ] ||
  { echo "bundle smoke: the slow message was not cut by the parse worker: '$reason'"; exit 1; }
parsed=$(psql "$url" -tAc "SELECT count(*) FROM $schema.emails WHERE parse_error IS NULL AND sender <> ''")
[ "$parsed" -ge 15 ] || { echo "bundle smoke: only $parsed messages parsed cleanly by the workers"; exit 1; }
processed=("$tmp"/inbox/processed/*.eml)
[ "${#processed[@]}" -eq 21 ] || { echo "bundle smoke: expected 21 files in processed/"; exit 1; }
# Nothing was fetched: the bundle carries every module (SQL included).
if [ -n "$(find "$tmp/deno_dir" \( -path '*/npm/*' -o -path '*/remote/*' \) -type f -print -quit)" ]; then
  echo "bundle smoke: modules were downloaded at run time: the bundle is not self-contained"; exit 1
fi
echo "bundle smoke: artifact $(stat -c %s dist/ses-daemon-bot.js) bytes, 20 messages through every stage" \
  "(parsed in worker threads), 1 cut at PARSE_TIMEOUT"
