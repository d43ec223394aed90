#!/usr/bin/env bash
# Outcome measures on a seeded database (the seed generates events, peer
# contacts and referrals and builds the measures): the nightly rebuild,
# `accompany measures report --json` after it (median of three), and the
# same report through the API beside /healthz measured in the same run.
# (PostgreSQL: set ACCOMPANY_AUDIT_KEY_FILE for the seed and this script alike.)
#   cargo build --release
#   target/release/accompany seed --members 2000000 --workers 10000 --database-url URL --quiet
#   bench/measures.sh URL [PORT]
set -euo pipefail
B="$(dirname "$0")/../target/release/accompany"
DB=$1; P=${2:-8096}
secs() { python3 -c "import sys,statistics;print('%.2f s' % statistics.median([float(x) for x in sys.argv[1:]]))" "$@"; }
# SKIP_REBUILD=1: the seed has just built the measures.
if [ -z "${SKIP_REBUILD:-}" ]; then
  start=$(date +%s.%N)
  $B measures rebuild --quiet --database-url "$DB"
  printf 'measures rebuild: %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
fi
times=()
for _ in 1 2 3; do
  start=$(date +%s.%N)
  $B measures report --json --database-url "$DB" > /tmp/measures-report.json
  times+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
echo "measures report --json: $(secs "${times[@]}") (median of 3), $(wc -c < /tmp/measures-report.json) bytes"
start=$(date +%s.%N)
$B migrate --database-url "$DB" 2> /dev/null
printf 'baseline, accompany migrate (start, open the database): %.2f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
T=$($B token create --database-url "$DB" --user stateadmin)
$B serve --database-url "$DB" --bind "127.0.0.1:$P" > /dev/null 2>&1 & SP=$!
trap 'kill $SP' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$P/healthz" > /dev/null && break; sleep 0.2; done
run() {
  local token=$1 path=$2 label=$3 times=()
  for _ in 1 2 3 4; do
    times+=("$(curl -s -o /dev/null -w "%{time_total}" -H "Authorization: Bearer $token" "http://127.0.0.1:$P$path")")
  done
  printf '%-8s %s\n' "$(python3 -c "import sys,statistics;print('%.3f s' % statistics.median([float(x) for x in sys.argv[2:]]))" x "${times[@]}")" "$label"
}
run "" /healthz "GET /healthz (baseline)"
run "$T" /api/v1/measures "GET /api/v1/measures as the state admin"
run "$T" /api/v1/measures/report "GET /api/v1/measures/report (FHIR Bundle)"
