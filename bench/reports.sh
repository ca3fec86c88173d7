#!/usr/bin/env bash
# The evaluation reports over one year of N complaints (default 1,000,000)
# on PostgreSQL, then on SQLite: the day tallies' full count (the `reports`
# job, as on its first run), then through the service — served from the
# tallies — the summary by every grouping, the four charts (SVG, one PNG)
# and the XLSX; and the summary counted live from the complaints, as it
# would be without the tallies (ADR 0021). A third of the complaints have a
# dispatched answer 0–19 days after receipt.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
cargo build --release --locked -q
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
WORK=$(mktemp -d /tmp/aduan-reports.XXXXXX)
AS_PG=""
if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK"; AS_PG="runuser -u postgres --"; fi
PORT=$(( 20000 + RANDOM % 30000 ))
SERVE=""
cleanup() {
  [ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null
  $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
FROM=2025-12-01
TO=2026-11-30

# times one request 5 times: "| label | status | fastest | slowest |"
timed() {
  local label=$1 path=$2 code
  code=$(curl -s -H "Authorization: Bearer $KEY" -o /dev/null -w '%{http_code}' "$BASE$path")
  for _ in 1 2 3 4 5; do
    curl -s -H "Authorization: Bearer $KEY" -o /dev/null -w '%{time_total}\n' "$BASE$path"
  done | sort -n | awk -v l="$label" -v c="$code" \
    '{a[NR] = $1} END {printf "| %s | %s | %.0f ms | %.0f ms |\n", l, c, a[1] * 1000, a[NR] * 1000}'
}

# starts the service on $DATABASE_URL with ADUAN_REPORT_LIVE_MAX=$1, a key in $KEY
serve() {
  [ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null && wait "$SERVE" 2>/dev/null || true
  local web=$(( PORT + 1 + RANDOM % 1000 ))
  BASE="http://127.0.0.1:$web"
  ADUAN_REPORT_LIVE_MAX=$1 ADUAN_LISTEN=127.0.0.1:$web ADUAN_PUBLIC_BASE_URL=$BASE \
    target/release/aduan > "$WORK/serve.log" 2>&1 &
  SERVE=$!
  for _ in $(seq 1 300); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.2; done
}

reports() {
  local backend=$1
  export ADUAN_DATA_DIR=$WORK/data ADUAN_LOG=warn ADUAN_REQUIRE_2FA=none
  KEY=$(target/release/aduan apikey create --name bench --role manager | tail -n 1)
  echo
  echo "$backend: the reports job's first run (every day of the year):"
  target/release/aduan run-job reports | sed 's/^/  /'
  serve 20000
  echo
  echo "| $backend, one year of $N complaints, from the day tallies | status | fastest of 5 | slowest of 5 |"
  echo "|---|---|---|---|"
  for by in channel kind category unit holder month; do
    timed "summary by $by" "/api/v1/reports/summary?from=$FROM&to=$TO&group_by=$by"
  done
  timed "summary by channel, XLSX" "/api/v1/reports/summary?from=$FROM&to=$TO&group_by=channel&format=xlsx"
  for c in received-per-week on-time-by-unit overdue-ageing ikm; do
    timed "chart $c (SVG)" "/api/v1/reports/charts/$c?from=$FROM&to=$TO"
  done
  timed "chart received-per-week (PNG)" "/api/v1/reports/charts/received-per-week?from=$FROM&to=$TO&format=png"
  timed "summary of one week (live: under the threshold)" "/api/v1/reports/summary?from=2026-03-02&to=2026-03-08&group_by=channel"
  echo
  echo "the year's summary counted live (ADUAN_REPORT_LIVE_MAX above $N), for comparison:"
  serve 10000000
  timed "summary by channel, live" "/api/v1/reports/summary?from=$FROM&to=$TO&group_by=channel"
  echo
  echo "the reports job again an hour later (the days of complaints whose deadline passed meanwhile):"
}

URL="postgres://postgres@127.0.0.1:$PORT/postgres"
$AS_PG "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 >/dev/null
$AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$WORK" start >/dev/null
export DATABASE_URL=$URL
ADUAN_DATA_DIR=$WORK/data target/release/aduan migrate >/dev/null
PSQL=(psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
echo "PostgreSQL: loading $N complaints over a year…"
start=$(date +%s)
"${PSQL[@]}" <<SQL
INSERT INTO org_units (id, name, created_at) VALUES ('00000000-0000-7000-8000-000000000001', 'Bidang Linjamsos', now());
INSERT INTO positions (id, unit_id, title, superior_id, is_head, created_at)
  VALUES ('00000000-0000-7000-8000-000000000002', NULL, 'Kepala Dinas', NULL, true, now());
INSERT INTO complaints (id, tracking_number, kind, channel, status, received_at, registered_at,
  updated_at, subject, subject_lower, body, anonymous, confidential, version, access_digest, category)
SELECT gen_random_uuid(), 'ADU-2026-' || lpad(g::text, 7, '0'),
  (ARRAY['complaint','aspiration','information_request'])[1 + g % 3],
  (ARRAY['face_to_face','suggestion_box','letter','email','lapor','api','web'])[1 + g % 7],
  (ARRAY['registered','with_head','disposed','in_progress','answered','closed'])[1 + g % 6],
  timestamptz '$FROM 00:00+08' + g * (interval '365 days' / $N),
  timestamptz '$FROM 00:00+08' + g * (interval '365 days' / $N),
  timestamptz '$FROM 00:00+08' + g * (interval '365 days' / $N),
  'Pengaduan nomor ' || g, 'pengaduan nomor ' || g, 'isi', false, false, 1, 'x',
  (ARRAY['PKH','BPNT','KIS','Lainnya'])[1 + g % 4]
FROM generate_series(1, $N) g;
UPDATE complaints SET due_at = received_at + interval '14 days',
  lapor_followup_due_at = CASE WHEN channel = 'lapor' THEN received_at + interval '7 days' END;
INSERT INTO answer_drafts (id, complaint_id, version_no, body, author_position_id, submitted, created_at)
  SELECT '00000000-0000-7000-8000-000000000003', id, 1, 'Jawaban.', '00000000-0000-7000-8000-000000000002', true, now()
  FROM complaints LIMIT 1;
INSERT INTO answer_dispatches (id, complaint_id, draft_id, method, actor_name, at)
  SELECT gen_random_uuid(), id, '00000000-0000-7000-8000-000000000003', 'in_person', 'bench',
    received_at + (abs(hashtext(id::text)) % 20) * interval '1 day'
  FROM complaints WHERE status IN ('answered', 'closed');
ANALYZE;
SQL
echo "loaded in $(( $(date +%s) - start )) s"
reports PostgreSQL
target/release/aduan run-job reports --at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" | sed 's/^/  /'
kill "$SERVE" 2>/dev/null || true; SERVE=""

if [ "${SQLITE:-1}" = 1 ] && command -v sqlite3 >/dev/null; then
  DB=$WORK/data/reports.db
  export DATABASE_URL=sqlite://$DB
  mkdir -p "$WORK/data"
  target/release/aduan migrate >/dev/null
  echo
  echo "SQLite: loading $N complaints over a year…"
  start=$(date +%s)
  step=$(( 365 * 86400 * 1000 / N ))
  sqlite3 "$DB" <<SQL
INSERT INTO org_units (id, name, created_at) VALUES (x'00000000000070008000000000000001', 'Bidang Linjamsos', '2025-12-01T00:00:00+00:00');
INSERT INTO positions (id, unit_id, title, superior_id, is_head, created_at)
  VALUES (x'00000000000070008000000000000002', NULL, 'Kepala Dinas', NULL, 1, '2025-12-01T00:00:00+00:00');
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $N)
INSERT INTO complaints (id, tracking_number, kind, channel, status, received_at, registered_at,
  updated_at, subject, subject_lower, body, anonymous, confidential, version, access_digest, category, due_at,
  lapor_followup_due_at)
SELECT randomblob(16), 'ADU-2026-' || printf('%07d', n),
  CASE n % 3 WHEN 0 THEN 'complaint' WHEN 1 THEN 'aspiration' ELSE 'information_request' END,
  CASE n % 7 WHEN 0 THEN 'face_to_face' WHEN 1 THEN 'suggestion_box' WHEN 2 THEN 'letter'
    WHEN 3 THEN 'email' WHEN 4 THEN 'lapor' WHEN 5 THEN 'api' ELSE 'web' END,
  CASE n % 6 WHEN 0 THEN 'registered' WHEN 1 THEN 'with_head' WHEN 2 THEN 'disposed'
    WHEN 3 THEN 'in_progress' WHEN 4 THEN 'answered' ELSE 'closed' END,
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1764518400 + n * $step / 1000, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1764518400 + n * $step / 1000, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1764518400 + n * $step / 1000, 'unixepoch'),
  'Pengaduan nomor ' || n, 'pengaduan nomor ' || n, 'isi', 0, 0, 1, 'x',
  CASE n % 4 WHEN 0 THEN 'PKH' WHEN 1 THEN 'BPNT' WHEN 2 THEN 'KIS' ELSE 'Lainnya' END,
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1764518400 + n * $step / 1000 + 14 * 86400, 'unixepoch'),
  CASE WHEN n % 7 = 4 THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', 1764518400 + n * $step / 1000 + 7 * 86400, 'unixepoch') END
FROM g;
INSERT INTO answer_drafts (id, complaint_id, version_no, body, author_position_id, submitted, created_at)
  SELECT x'00000000000070008000000000000003', id, 1, 'Jawaban.', x'00000000000070008000000000000002', 1, '2025-12-01T00:00:00+00:00'
  FROM complaints LIMIT 1;
INSERT INTO answer_dispatches (id, complaint_id, draft_id, method, actor_name, at)
  SELECT randomblob(16), id, x'00000000000070008000000000000003', 'in_person', 'bench',
    strftime('%Y-%m-%dT%H:%M:%S+00:00', unixepoch(received_at) + (abs(random()) % 20) * 86400, 'unixepoch')
  FROM complaints WHERE status IN ('answered', 'closed');
ANALYZE;
SQL
  echo "loaded in $(( $(date +%s) - start )) s"
  reports SQLite
  target/release/aduan run-job reports --at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" | sed 's/^/  /'
fi
