#!/usr/bin/env bash
# Equity reports on a seeded database (the seed builds the rollups): each
# report's first answer after the server starts (made from the rollups)
# and its 95th percentile over 20 more (kept until the rollups change),
# and a what-if of 50 hires (recovery coaches and CPSs who are women and
# speak English and Spanish: must-gender and role are what block most
# waiting members) solved on the waiting list,
# beside GET /healthz measured in the same run.
#   cargo build --release
#   target/release/accompany seed --members 2000000 --workers 10000 --database-url URL --quiet
#   bench/equity.sh URL [PORT]
set -euo pipefail
B="$(dirname "$0")/../target/release/accompany"
DB=$1; P=${2:-8097}
T=$($B token create --database-url "$DB" --user stateadmin)
$B serve --database-url "$DB" --bind "127.0.0.1:$P" > /dev/null 2>&1 & SP=$!
trap 'kill $SP' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$P/healthz" > /dev/null && break; sleep 0.2; done
once() { curl -s -o /dev/null -w "%{time_total}" -H "Authorization: Bearer $1" "http://127.0.0.1:$P$2"; }
p95() { python3 -c "import sys;v=sorted(float(x) for x in sys.argv[1:]);print('%.3f s' % v[max(0,int(len(v)*0.95+0.999)-1)])" "$@"; }
run() {
  local token=$1 path=$2 label=$3 first times=()
  first=$(once "$token" "$path")
  for _ in $(seq 1 20); do times+=("$(once "$token" "$path")"); done
  printf '%-48s first %6.3f s   then p95 %s\n' "$label" "$first" "$(p95 "${times[@]}")"
}
run "" /healthz "GET /healthz (baseline)"
run "$T" /api/v1/adequacy "GET /api/v1/adequacy"
run "$T" /api/v1/equity "GET /api/v1/equity"
run "$T" /api/v1/cohorts/state/all/appendix-a "GET /api/v1/cohorts/state/all/appendix-a"
run "$T" /api/v1/cohorts/role/certified-peer-specialist/appendix-a "GET .../cohorts/role/certified-peer-specialist/..."
ORG=$(curl -s -H "Authorization: Bearer $T" "http://127.0.0.1:$P/api/v1/organizations?limit=50" | python3 -c "import sys,json;d=json.load(sys.stdin);print(next(o['id'] for o in d['items'] if o['kind']!='health-plan'))")
LINE='"count":25,"languages":["en","es"],"identity":[{"dimension":"gender","value":"woman"}],"town":"Boston","organization":"'$ORG'"'
BODY='{"hires":[{"role":"peer-recovery-coach",'$LINE'},{"role":"certified-peer-specialist",'$LINE'}]}'
times=()
for _ in 1 2 3; do
  times+=("$(curl -s -o /tmp/what-if.json -w "%{time_total}" -H "Authorization: Bearer $T" -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$P/api/v1/what-if")")
done
printf '%-48s median of 3 %s\n' "POST /api/v1/what-if (50 hires)" "$(python3 -c "import sys,statistics;print('%.2f s' % statistics.median([float(x) for x in sys.argv[1:]]))" "${times[@]}")"
python3 -c "import json;d=json.load(open('/tmp/what-if.json'));print('  waiting', d.get('waiting'), 'matched', d.get('matched'), 'places added', d.get('places_added'))"
