#!/usr/bin/env bash
# Dashboards on a seeded database, each page as its reader gets it (signed
# in with a cookie, HTML rendered) and the API beside it: the busiest
# supervisor's glance, the peer's month on the largest caseload, the
# organization's worker activity and referral funnel, and the state's
# equity page and adequacy (monthly trends and unmet demand included).
# Each figure is the first answer after the server starts, then the 95th
# percentile of 20 more, beside GET /healthz measured in the same run.
#   cargo build --release
#   target/release/accompany seed --members 2000000 --workers 10000 --database-url URL --quiet
#   bench/dashboards.sh URL [PORT]
set -euo pipefail
B="$(dirname "$0")/../target/release/accompany"
DB=$1; P=${2:-8098}
sql() {
  case "$DB" in
    sqlite://*) sqlite3 "${DB#sqlite://}" "$1" ;;
    *) psql -qtA "$DB" -c "$1" ;;
  esac
}
# The supervisor with the most supervisees, the peer with the largest caseload, and the demo organization admin.
SUP=$(sql "SELECT u.username FROM workers s JOIN users u ON u.id = s.user_id JOIN workers w ON w.supervisor_id = s.id GROUP BY u.username ORDER BY COUNT(*) DESC, u.username LIMIT 1")
read -r PEER PEER_WORKER < <(sql "SELECT u.username || ' ' || w.id FROM workers w JOIN users u ON u.id = w.user_id JOIN team_members tm ON tm.user_id = w.user_id AND tm.team_role = 'peer' AND tm.until IS NULL GROUP BY u.username, w.id ORDER BY COUNT(*) DESC, u.username LIMIT 1")
# The organization most referrals are made to, for its funnel.
read -r ORG_REF REFERRALS < <(sql "SELECT organization_id || ' ' || COUNT(*) FROM referrals WHERE organization_id IS NOT NULL GROUP BY organization_id ORDER BY COUNT(*) DESC LIMIT 1")
PW="bench-$(date +%s)-long-enough"
for U in "$SUP" "$PEER" orgadmin stateadmin; do ACCOMPANY_PASSWORD="$PW" $B user password --database-url "$DB" --username "$U" > /dev/null; done
TS=$($B token create --database-url "$DB" --user "$SUP")
TP=$($B token create --database-url "$DB" --user "$PEER")
TA=$($B token create --database-url "$DB" --user stateadmin)
$B serve --database-url "$DB" --bind "127.0.0.1:$P" > /dev/null 2>&1 & SP=$!
JARS=$(mktemp -d)
trap 'kill $SP; rm -rf "$JARS"' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$P/healthz" > /dev/null && break; sleep 0.2; done
login() {
  local csrf
  csrf=$(curl -s -c "$JARS/$1" "http://127.0.0.1:$P/login" | python3 -c "import sys,re;print(re.search(r'name=\"csrf\" value=\"([^\"]+)\"', sys.stdin.read()).group(1))")
  curl -s -o /dev/null -b "$JARS/$1" -c "$JARS/$1" --data-urlencode "username=$1" --data-urlencode "password=$PW" --data-urlencode "csrf=$csrf" "http://127.0.0.1:$P/login"
}
for U in "$SUP" "$PEER" orgadmin stateadmin; do login "$U"; done
once() {
  local who=$1 path=$2
  case "$who" in
    cookie:*) curl -s -o /dev/null -w "%{http_code} %{time_total}\n" -b "$JARS/${who#cookie:}" "http://127.0.0.1:$P$path" ;;
    *) curl -s -o /dev/null -w "%{http_code} %{time_total}\n" -H "Authorization: Bearer $who" "http://127.0.0.1:$P$path" ;;
  esac
}
p95() { python3 -c "import sys;v=sorted(float(x) for x in sys.argv[1:]);print('%.1f ms' % (1000*v[max(0,int(len(v)*0.95+0.999)-1)]))" "$@"; }
run() {
  local who=$1 path=$2 label=$3 first code t times=()
  read -r code first < <(once "$who" "$path")
  [ "$code" = 200 ] || { echo "$label: HTTP $code" >&2; exit 1; }
  for _ in $(seq 1 20); do read -r code t < <(once "$who" "$path"); times+=("$t"); done
  printf '%-64s first %7.1f ms   then p95 %s\n' "$label" "$(python3 -c "print(1000*$first)")" "$(p95 "${times[@]}")"
}
echo "organization admin's: $(sql "SELECT COUNT(*) FROM workers w JOIN users u ON u.organization_id = w.employer_id WHERE u.username = 'orgadmin'") workers"
echo "supervisor $SUP ($(sql "SELECT COUNT(*) FROM workers w JOIN workers s ON s.id = w.supervisor_id JOIN users u ON u.id = s.user_id WHERE u.username = '$SUP'") supervisees); peer $PEER"
run "" /healthz "GET /healthz (baseline)"
run "cookie:$SUP" /workforce/supervision "page /workforce/supervision (the glance)"
run "$TS" /api/v1/workforce/supervisees "GET /api/v1/workforce/supervisees"
run "cookie:$PEER" "/workforce/workers/$PEER_WORKER/caseload" "page: the peer's month (their caseload)"
run "$TP" "/api/v1/workforce/workers/$PEER_WORKER/caseload" "GET /api/v1/workforce/workers/{id}/caseload"
run cookie:orgadmin /workforce/activity "page /workforce/activity (the organization admin's)"
run cookie:stateadmin "/workforce/activity?organization=$ORG_REF" "page /workforce/activity ($REFERRALS referrals)"
run cookie:stateadmin /equity "page /equity (state admin)"
run "$TA" /api/v1/adequacy "GET /api/v1/adequacy"
run cookie:stateadmin /measures "page /measures (state admin)"
