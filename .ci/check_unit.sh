#!/usr/bin/env bash
# Checks ses-daemon-bot.service: `systemd-analyze verify` must print nothing (it only warns on typos, with
# exit 0), and the offline security exposure score must be 2.0 or lower.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify fails when ExecStart does not exist: point it at a stub in a temporary copy of the unit.
printf '#!/bin/sh\nexit 0\n' > "$tmp/ses-daemon-bot"
chmod +x "$tmp/ses-daemon-bot"
sed "s#^ExecStart=/usr/local/bin/ses-daemon-bot#ExecStart=$tmp/ses-daemon-bot#" ses-daemon-bot.service \
  > "$tmp/ses-daemon-bot.service"
out=$(systemd-analyze verify --man=no "$tmp/ses-daemon-bot.service" 2>&1 || true)
if [ -n "$out" ]; then
  echo "unit check: systemd-analyze verify reported:"; echo "$out"; exit 1
fi
score=$(systemd-analyze security --offline=yes "$tmp/ses-daemon-bot.service" 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
  echo "unit check: could not read the exposure score"; systemd-analyze security --offline=yes "$tmp/ses-daemon-bot.service" | tail -5; exit 1
fi
if awk -v s="$score" 'BEGIN { exit !(s > 2.0) }'; then
  echo "unit check: exposure score $score is above 2.0"; exit 1
fi
echo "unit check: verify clean, exposure $score"
