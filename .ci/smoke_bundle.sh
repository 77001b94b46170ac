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
run() {
  DENO_DIR="$tmp/deno_dir" DATABASE_URL="$url" DATABASE_SCHEMA="$schema" INBOX_DIR="$tmp/inbox" \
    deno run --allow-env --allow-read --allow-write --allow-net --allow-sys dist/ses-daemon-bot.js "$@"
}
run run --once > "$tmp/log.jsonl"
status=$(run status --json)
echo "bundle smoke: $status"
[[ $status == *'"emails_total":20,'* ]] || { echo "bundle smoke: expected 20 emails"; tail -5 "$tmp/log.jsonl"; exit 1; }
processed=("$tmp"/inbox/processed/*.eml)
[ "${#processed[@]}" -eq 20 ] || { echo "bundle smoke: expected 20 files in processed/"; exit 1; }
# Nothing was fetched: the bundle carries every module (SQL included).
if [ -n "$(find "$tmp/deno_dir" \( -path '*/npm/*' -o -path '*/remote/*' \) -type f -print -quit)" ]; then
  echo "bundle smoke: modules were downloaded at run time: the bundle is not self-contained"; exit 1
fi
echo "bundle smoke: artifact $(stat -c %s dist/ses-daemon-bot.js) bytes, 20 messages through every stage"
