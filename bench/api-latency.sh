#!/usr/bin/env bash
# Median latency of a few API requests against a seeded database.
#   cargo build --release
#   target/release/accompany seed --members 2000000 --workers 10000 --database-url URL --quiet
#   bench/api-latency.sh URL [PORT]
set -euo pipefail
B="$(dirname "$0")/../target/release/accompany"
DB=$1; P=${2:-8095}
T1=$($B token create --database-url "$DB" --user stateadmin)
T2=$($B token create --database-url "$DB" --user coordinator0)
T3=$($B token create --database-url "$DB" --user member)
$B serve --database-url "$DB" --bind "127.0.0.1:$P" > /dev/null 2>&1 & SP=$!
trap 'kill $SP' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$P/healthz" > /dev/null && break; sleep 0.2; done
MID=$(curl -s -H "Authorization: Bearer $T3" "http://127.0.0.1:$P/api/v1/me" | python3 -c "import sys,json;print(json.load(sys.stdin)['user']['member_id'])")
median() { python3 -c "import sys,statistics;v=[float(x)*1000 for x in sys.argv[1:]];print('%.1f ms' % statistics.median(v[1:]))" "$@"; }
run() {
  local token=$1 path=$2 label=$3 times=()
  for _ in 1 2 3 4 5 6 7 8; do
    times+=("$(curl -s -o /dev/null -w "%{time_total}" -H "Authorization: Bearer $token" "http://127.0.0.1:$P$path")")
  done
  printf '%-10s %s\n' "$(median "${times[@]}")" "$label"
}
run "$T3" /api/v1/me "GET /api/v1/me"
run "$T2" "/api/v1/members/$MID" "GET /api/v1/members/{id} as the member's care coordinator"
run "$T1" "/api/v1/members?limit=50" "GET /api/v1/members?limit=50 as the state admin"
run "$T2" "/api/v1/members?limit=50" "GET /api/v1/members?limit=50 as a care coordinator"
run "$T1" "/api/v1/members?name=nguy&limit=50" "GET /api/v1/members?name=nguy&limit=50"
