#!/usr/bin/env bash
# Median latency of the billing reads against a seeded database with a
# contact every third day for 180 days for every member who has a peer,
# beside /healthz measured in the same run. (PostgreSQL: set
# ACCOMPANY_AUDIT_KEY_FILE for the seed and for this script alike.)
#   cargo build --release
#   target/release/accompany seed --members 200000 --workers 1000 --database-url URL --quiet
#   bench/billing-latency.sh URL [PORT]
set -euo pipefail
B="$(dirname "$0")/../target/release/accompany"
DB=$1; P=${2:-8096}
# Contacts straight into the table (the seed writes none in bulk): one every
# third day for 180 days per member with a peer, in the peer's role.
if [[ "$DB" == postgres* ]]; then
  DAYS="generate_series(0, 177, 3) AS d(n)"
  DAY="to_char(current_date - d.n, 'YYYY-MM-DD')"
  RUNSQL=(psql -qtAX "${DB}" -c)
else
  DAYS="(WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 3 FROM r WHERE n < 177) SELECT n FROM r) AS d"
  DAY="date('now', '-' || d.n || ' days')"
  RUNSQL=(sqlite3 "${DB#sqlite://}")
fi
start=$(date +%s.%N)
"${RUNSQL[@]}" "INSERT INTO contact_notes (id, member_id, author_id, contact_date, duration_minutes, modality, setting, note, version, created_at, updated_at, start_time, role_id)
  SELECT 'bench-' || tm.member_id || '-' || d.n, tm.member_id, tm.user_id, $DAY, 30, 'phone', 'home', '', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '10:00', w.role_id
  FROM team_members tm JOIN workers w ON w.user_id = tm.user_id, $DAYS
  WHERE tm.team_role = 'peer' AND tm.until IS NULL AND NOT EXISTS (SELECT 1 FROM contact_notes x WHERE x.id = 'bench-' || tm.member_id || '-0')"
# PostgreSQL's autovacuum analyzes the table within a minute or so; do it now.
# (SQLite: the server refreshes the statistics as it starts.)
[[ "$DB" == postgres* ]] && "${RUNSQL[@]}" "ANALYZE contact_notes"
printf 'contacts: %s rows (%.0f s to insert)\n' "$("${RUNSQL[@]}" "SELECT COUNT(*) FROM contact_notes" | tr -d ' ' | tail -1)" "$(echo "$(date +%s.%N) - $start" | bc)"
T1=$($B token create --database-url "$DB" --user stateadmin)
T2=$($B token create --database-url "$DB" --user billing)
T3=$($B token create --database-url "$DB" --user member)
PEER=$("${RUNSQL[@]}" "SELECT u.username FROM users u WHERE u.persona = 'peer-worker' AND u.username LIKE 'worker%' AND EXISTS (SELECT 1 FROM contact_notes n WHERE n.author_id = u.id AND n.member_id = (SELECT member_id FROM users WHERE username = 'member'))" | tr -d ' ' | grep . | tail -1)
T4=$($B token create --database-url "$DB" --user "$PEER")
$B serve --database-url "$DB" --bind "127.0.0.1:$P" > /dev/null 2>&1 & SP=$!
trap 'kill $SP' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$P/healthz" > /dev/null && break; sleep 0.2; done
sleep 5  # the statistics pass the server starts with
MID=$(curl -s -H "Authorization: Bearer $T3" "http://127.0.0.1:$P/api/v1/me" | python3 -c "import sys,json;print(json.load(sys.stdin)['user']['member_id'])")
median() { python3 -c "import sys,statistics;v=[float(x)*1000 for x in sys.argv[1:]];print('%.1f ms' % statistics.median(v[1:]))" "$@"; }
run() {
  local token=$1 path=$2 label=$3 times=()
  for _ in 1 2 3 4 5 6 7 8; do
    times+=("$(curl -s -o /dev/null -w "%{time_total}" -H "Authorization: Bearer $token" "http://127.0.0.1:$P$path")")
  done
  printf '%-10s %s\n' "$(median "${times[@]}")" "$label"
}
run "" /healthz "GET /healthz (baseline)"
run "$T4" "/api/v1/members/$MID/contacts" "GET /api/v1/members/{id}/contacts as the member's peer (every contact priced)"
run "$T2" "/api/v1/members/$MID/authorizations" "GET /api/v1/members/{id}/authorizations as the billing office (units used counted)"
run "$T2" "/api/v1/authorizations/needed" "GET /api/v1/authorizations/needed as the billing office (its organization)"
run "$T1" "/api/v1/authorizations/needed" "GET /api/v1/authorizations/needed as the state admin (first 200 members)"
