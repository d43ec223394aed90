#!/usr/bin/env bash
# Median latency of a few API requests against a seeded database, beside
# /healthz measured in the same run. (PostgreSQL: set ACCOMPANY_AUDIT_KEY_FILE
# for the seed and for this script alike.)
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
  local method=$1 token=$2 path=$3 label=$4 body=${5:-} times=() args=()
  [ -n "$body" ] && args=(-H 'Content-Type: application/json' -d "$body")
  for _ in 1 2 3 4 5 6 7 8; do
    times+=("$(curl -s -o /dev/null -w "%{time_total}" -X "$method" "${args[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$P$path")")
  done
  printf '%-10s %s\n' "$(median "${times[@]}")" "$label"
}
run GET "" /healthz "GET /healthz (baseline)"
run GET "$T3" /api/v1/me "GET /api/v1/me"
run GET "$T2" "/api/v1/members/$MID" "GET /api/v1/members/{id} as the member's care coordinator"
run GET "$T1" "/api/v1/members?limit=50" "GET /api/v1/members?limit=50 as the state admin"
run GET "$T2" "/api/v1/members?limit=50" "GET /api/v1/members?limit=50 as a care coordinator"
run GET "$T1" "/api/v1/members?name=nguy&limit=50" "GET /api/v1/members?name=nguy&limit=50"
# The guarded doors: a list naming its members in the audit, the intake queue,
# the public door and a request to join (the same answer for any id).
run GET "$T1" "/api/v1/members?limit=500" "GET /api/v1/members?limit=500 as the state admin (500 named)"
run GET "$T2" "/api/v1/referrals?limit=100" "GET /api/v1/referrals?limit=100 as the intake coordinator"
run POST "" /api/v1/public/referrals "POST /api/v1/public/referrals" \
  '{"door":"self","given_name":"Bench","family_name":"Mark","date_of_birth":"1980-01-01","phone":"617-555-0100","language":"en","support":"both"}'
run POST "$T2" /api/v1/members/nobody/care-team/requests "POST /api/v1/members/{id}/care-team/requests" '{"team_role":"care-coordinator","reason":"bench"}'
