#!/usr/bin/env bash
# A month of claims from a seeded database: contacts one every third day for
# 180 days for every member who has a peer (as bench/billing-latency.sh
# inserts them), then `accompany claims export` of the last 30 days as the
# command line (a state admin: every organization), timed; beside it the
# in-memory figure for 650,000 contacts (`accompany claims bench`), and as
# a baseline in the same run `accompany migrate` (start and open the database).
#   cargo build --release
#   target/release/accompany seed --members 20000 --workers 1000 --database-url URL --quiet
#   bench/claims-export.sh URL
set -euo pipefail
B="$(dirname "$0")/../target/release/accompany"
DB=$1
if [[ "$DB" == postgres* ]]; then
  DAYS="generate_series(0, 177, 3) AS d(n)"
  DAY="to_char(current_date - d.n, 'YYYY-MM-DD')"
  RUNSQL=(psql -qtAX "${DB}" -c)
  FROM=$(date -d '-30 day' +%F)
else
  DAYS="(WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 3 FROM r WHERE n < 177) SELECT n FROM r) AS d"
  DAY="date('now', '-' || d.n || ' days')"
  RUNSQL=(sqlite3 "${DB#sqlite://}")
  FROM=$(date -d '-30 day' +%F)
fi
UNTIL=$(date -d '+59 day' +%F)
"${RUNSQL[@]}" "INSERT INTO contact_notes (id, member_id, author_id, contact_date, duration_minutes, modality, setting, note, version, created_at, updated_at, start_time, role_id)
  SELECT 'bench-' || tm.member_id || '-' || d.n, tm.member_id, tm.user_id, $DAY, 30, 'phone', 'home', '', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '10:00', w.role_id
  FROM team_members tm JOIN workers w ON w.user_id = tm.user_id, $DAYS
  WHERE tm.team_role = 'peer' AND tm.until IS NULL AND NOT EXISTS (SELECT 1 FROM contact_notes x WHERE x.id = 'bench-' || tm.member_id || '-0')"
# So that claims are written rather than held: each such member gets a
# diagnosis (F33.1) and an approved 90-day authorization for their peer's
# role under MassHealth from 60 days ago.
"${RUNSQL[@]}" "INSERT INTO diagnoses (id, member_id, code, category, description, start_date, end_date, version, recorded_by, recorded_at, updated_at)
  SELECT 'bench-dx-' || tm.member_id, tm.member_id, 'F331', 'mental-health', NULL, '2020-01-01', NULL, 1, tm.user_id, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
  FROM team_members tm WHERE tm.team_role = 'peer' AND tm.until IS NULL AND NOT EXISTS (SELECT 1 FROM diagnoses x WHERE x.id = 'bench-dx-' || tm.member_id)"
"${RUNSQL[@]}" "INSERT INTO authorizations (id, member_id, role_id, payer_id, number, kind, status, units, start_date, end_date, requested_by, recorded_by, version, created_at, updated_at)
  SELECT 'bench-pa-' || tm.member_id, tm.member_id, w.role_id, 'masshealth', 'PA-' || substr(tm.member_id, 1, 8), 'initial', 'approved', 180, '$FROM', '$UNTIL', NULL, NULL, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
  FROM team_members tm JOIN workers w ON w.user_id = tm.user_id WHERE tm.team_role = 'peer' AND tm.until IS NULL AND NOT EXISTS (SELECT 1 FROM authorizations x WHERE x.id = 'bench-pa-' || tm.member_id)"
[[ "$DB" == postgres* ]] && "${RUNSQL[@]}" "ANALYZE contact_notes"
echo "contacts: $("${RUNSQL[@]}" "SELECT COUNT(*) FROM contact_notes" | tail -1), in the last 30 days: $("${RUNSQL[@]}" "SELECT COUNT(*) FROM contact_notes WHERE contact_date >= '$FROM'" | tail -1)"
OUT=$(mktemp -d)
start=$(date +%s.%N)
$B migrate --database-url "$DB" 2> /dev/null
printf 'baseline, accompany migrate (start, open the database, check the schema): %.2f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
start=$(date +%s.%N)
$B claims export --database-url "$DB" --from "$FROM" --output "$OUT/claims.x12" 2> "$OUT/log" || true
end=$(date +%s.%N)
printf 'claims export (the database path, every organization): %.1f s, %s batches, %s claims\n' "$(echo "$end - $start" | bc)" \
  "$(grep -c 'batch' "$OUT/log" || true)" "$(grep -o '[0-9]* claims,' "$OUT/log" | awk '{s+=$1} END {print s+0}')"
$B claims bench --contacts 650000
rm -rf "$OUT"
