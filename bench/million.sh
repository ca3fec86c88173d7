#!/usr/bin/env bash
# Loads one million complaints into a throwaway PostgreSQL (schema from the
# real migrations) and times the queries the API runs at that size, with
# EXPLAIN ANALYZE: first page, a deep keyset page, filtered pages, subject
# search, lookup by tracking number, the metrics count.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
cargo build --release --locked -q
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
WORK=$(mktemp -d /tmp/aduan-million.XXXXXX)
AS_PG=""
if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK"; AS_PG="runuser -u postgres --"; fi
PORT=$(( 20000 + RANDOM % 30000 ))
$AS_PG "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 >/dev/null
$AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$WORK" start >/dev/null
trap '$AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1; rm -rf "$WORK"' EXIT
URL="postgres://postgres@127.0.0.1:$PORT/postgres"
DATABASE_URL=$URL ADUAN_DATA_DIR=$WORK/data target/release/aduan migrate >/dev/null
PSQL=(psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)

VOCAB="'bantuan','sudah','tiga','bulan','belum','cair','kartu','lansia','ibu','kami','rumah','rusak','desa','kelurahan','petugas','datang','mohon','segera','ditindaklanjuti','data','dtks','pkh','bpnt','sembako','beras','anak','sekolah','sakit','obat','kursi','roda','disabilitas','pendamping','kantor','camat','lurah','rt','rw','warga','miskin','layak','tidak','terdaftar','hilang','uang','potongan','pungutan','janji','tahap','oktober'"
# the same words stemmed (domain::search::stem), for SQLite's index
STEMS="bantu sudah tiga bulan belum cair kartu lansia ibu kami rumah rusak desa lurah tugas datang mohon segera tindaklanjut data dtks pkh bpnt sembako beras anak seko sakit obat kursi roda sabilitas damping kantor camat lurah rt rw warga miskin layak tidak daftar hilang uang potong pungut janji tahap oktober"
echo "loading $N complaints…"
start=$(date +%s)
"${PSQL[@]}" <<SQL
INSERT INTO complaints (id, tracking_number, kind, channel, status, received_at, registered_at,
  updated_at, subject, subject_lower, body, anonymous, confidential, version, access_digest)
SELECT gen_random_uuid(), 'ADU-2026-' || lpad(g::text, 7, '0'),
  (ARRAY['complaint','aspiration','information_request'])[1 + g % 3],
  (ARRAY['face_to_face','suggestion_box','letter','email','lapor','api','other'])[1 + g % 7],
  (ARRAY['registered','with_head','disposed','in_progress','answered','closed'])[1 + g % 6],
  timestamptz '2024-01-01' + (g * interval '47 seconds'),
  timestamptz '2024-01-01' + (g * interval '47 seconds'),
  timestamptz '2024-01-01' + (g * interval '47 seconds'),
  'Pengaduan nomor ' || g || (CASE WHEN g % 1000 = 0 THEN ' jalan rusak Oebobo' ELSE ' bantuan PKH' END),
  lower('Pengaduan nomor ' || g || (CASE WHEN g % 1000 = 0 THEN ' jalan rusak Oebobo' ELSE ' bantuan PKH' END)),
  w.body, false, false, 1, 'x'
FROM generate_series(1, $N) g,
-- fourteen words of a Dinas Sosial complaint each (a word in 1/4 to all of them)
LATERAL (SELECT string_agg((ARRAY[$VOCAB])[1 + ((g::bigint * (k * 7919 + 13)) % 50)::int], ' ') AS body
  FROM generate_series(1, 14) k) w;
-- the search index as the service writes it (ADR 0029): PostgreSQL's
-- indonesian stemmer gives the stems ours does; a name tag per complaint
-- (and its pairs of adjacent words and its month, migration 0037)
INSERT INTO complaint_search (complaint_id, doc, v)
SELECT id, d || aduan_search_pairs(d) || aduan_search_month(received_at), 2 FROM (
  SELECT id, received_at, setweight(to_tsvector('indonesian', subject), 'A') || to_tsvector('indonesian', body)
    || setweight(to_tsvector('simple', 'n' || substr(md5(id::text), 1, 16)), 'B') AS d
  FROM complaints) x;
INSERT INTO integration_state (name, cursor, imported_total, updated_at)
VALUES ('search_index', 'done', 0, now());
-- deadlines 10 days after receipt; the newest 2 % still open and due
UPDATE complaints SET due_at = received_at + interval '10 days',
  lapor_followup_due_at = CASE WHEN channel = 'lapor' THEN received_at + interval '7 days' END;
ANALYZE complaints;
SQL
echo "loaded in $(( $(date +%s) - start )) s"

cols="id, tracking_number, kind, channel, status, received_at, registered_at, updated_at, subject, body, category, location, anonymous, confidential, reporter_name, reporter_id_number, reporter_phone, reporter_email, reporter_address, lapor_tracking_id, letter_number, letter_date, created_by, version, access_digest"
mid=$("${PSQL[@]}" -At -c "SELECT received_at || '|' || id FROM complaints ORDER BY received_at DESC, id DESC OFFSET $((N / 2)) LIMIT 1")
t=${mid%%|*}; i=${mid##*|}
explain() {
  local label=$1 sql=$2
  local out
  out=$("${PSQL[@]}" -At -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) $sql")
  printf '| %s | %s | %s |\n' "$label" "$(echo "$out" | grep -m1 -oE '(Index Only Scan|Index Scan|Bitmap Heap Scan|Seq Scan|Parallel Seq Scan)[^(]*' | sed 's/ *$//')" "$(echo "$out" | grep -oE 'Execution Time: [0-9.]+ ms' | cut -d' ' -f3) ms"
}
echo
echo "| query (limit 51) | plan | execution |"
echo "|---|---|---|"
explain "first page" "SELECT $cols FROM complaints WHERE 1 = 1 ORDER BY received_at DESC, id DESC LIMIT 51"
explain "page at the middle (keyset)" "SELECT $cols FROM complaints WHERE 1 = 1 AND (received_at, id) < ('$t', '$i') ORDER BY received_at DESC, id DESC LIMIT 51"
explain "status = in_progress, middle" "SELECT $cols FROM complaints WHERE 1 = 1 AND status = 'in_progress' AND (received_at, id) < ('$t', '$i') ORDER BY received_at DESC, id DESC LIMIT 51"
explain "channel = lapor, first page" "SELECT $cols FROM complaints WHERE 1 = 1 AND channel = 'lapor' ORDER BY received_at DESC, id DESC LIMIT 51"
explain "subject search (rare: 0.1 %)" "SELECT $cols FROM complaints WHERE 1 = 1 AND subject_lower LIKE '%oebobo%' ESCAPE '\\' ORDER BY received_at DESC, id DESC LIMIT 51"
explain "received range (one week)" "SELECT $cols FROM complaints WHERE 1 = 1 AND received_at >= '2025-01-01' AND received_at < '2025-01-08' ORDER BY received_at DESC, id DESC LIMIT 51"
explain "by tracking number" "SELECT $cols FROM complaints WHERE tracking_number = 'ADU-2026-0$((N / 3))'"
explain "count by status (metrics)" "SELECT status, COUNT(*) FROM complaints GROUP BY status ORDER BY status"
open="status NOT IN ('answered', 'closed', 'redirected', 'merged', 'rejected')"
explain "dashboard: overdue by holder" "SELECT holder_position_id, COUNT(*) FROM complaints WHERE $open AND paused_at IS NULL AND due_at < now() GROUP BY holder_position_id"
explain "dashboard: LAPOR! at risk" "SELECT COUNT(*) FROM complaints WHERE $open AND channel = 'lapor' AND lapor_followup_due_at < now() + interval '2 days'"
# reception's inbox (app::App::inbox → wf_inbox): to forward and to dispatch, soonest deadline
# first — one branch per status from complaints_desk_due, merged (issue 33)
# (SQLite needs the partial index's condition stated; PostgreSQL must not
# have it twice: it multiplies the selectivities and picks another index)
branch() { echo "SELECT * FROM (SELECT * FROM complaints WHERE status = '$1'$2 AND due_at IS NOT NULL ORDER BY due_at, id LIMIT 51) AS b_$1"; }
desk=" AND status IN ('registered', 'reopened', 'approved')"
inbox="SELECT $cols FROM ($(branch registered "$desk") UNION $(branch reopened "$desk") UNION $(branch approved "$desk")) AS inbox ORDER BY due_at, id LIMIT 51"
explain "inbox: reception (a sixth of all registered)" "SELECT $cols FROM ($(branch registered) UNION $(branch reopened) UNION $(branch approved)) AS inbox ORDER BY due_at, id LIMIT 51"

# The search (POST /api/v1/complaints/search) at this size: 50 named
# complaints registered through the API first (their names indexed as the
# service does it), then each query 200 times in a row (p50 / p99).
searches() {
  local key code
  key=$(target/release/aduan apikey create --name bench-search --role reception | tail -n 1)
  for n in $(seq 1 50); do
    curl -s -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      -d "{\"channel\":\"letter\",\"kind\":\"complaint\",\"subject\":\"Surat ke-$n\",\"body\":\"Kartu lansia belum diterima\",\"reporter\":{\"name\":\"Maria Goreti Bria $n\",\"phone\":\"0812390$(printf %05d "$n")\"}}" \
      "$BASE/api/v1/complaints"
  done
  search() {
    local label=$1 body=$2
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/json' -d "$body" "$BASE/api/v1/complaints/search")
    for _ in $(seq 1 200); do
      curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' -d "$body" "$BASE/api/v1/complaints/search"
    done | sort -n | awk -v l="$label" -v c="$code" \
      '{a[NR] = $1} END {printf "| %s | %s | %.1f ms | %.1f ms |\n", l, c, a[int(NR * 0.5)] * 1000, a[int(NR * 0.99)] * 1000}'
  }
  echo
  echo "| search, $1 ($N complaints) | status | p50 | p99 |"
  echo "|---|---|---|---|"
  search "a rare word (0.1 %)" '{"q":"oebobo"}'
  search "a common word (a quarter)" '{"q":"dtks"}'
  search "a word of every complaint" '{"q":"pengaduan"}'
  search "two words" '{"q":"kartu lansia"}'
  search "a phrase" '{"q":"\"tiga bulan\""}'
  search "a word of a name (audited)" '{"q":"goreti"}'
  search "a name and a word" '{"q":"bria kartu"}'
  search "a tracking number" "{\"q\":\"ADU-2026-0$((N / 3))\"}"
  search "nothing matches" '{"q":"xyzzy"}'
}

# The console's pages at this size: the service on this database, one
# signed-in admin, each page fetched 200 times in a row (p50 / p99 of the
# whole answer, as the browser waits for it).
if [ "${PAGES:-1}" = 1 ]; then
  WEB_PORT=$(( PORT + 1 ))
  BASE="http://127.0.0.1:$WEB_PORT"
  export DATABASE_URL=$URL ADUAN_DATA_DIR=$WORK/data ADUAN_LISTEN=127.0.0.1:$WEB_PORT \
    ADUAN_PUBLIC_BASE_URL=$BASE ADUAN_REQUIRE_2FA=none ADUAN_LOG=warn
  printf %s "bench-password-$RANDOM-long" > "$WORK/pw"
  target/release/aduan user create --login bench.admin --role admin --password-stdin < "$WORK/pw" >/dev/null
  target/release/aduan > "$WORK/serve.log" 2>&1 &
  SERVE=$!
  trap 'kill $SERVE 2>/dev/null; $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1; rm -rf "$WORK"' EXIT
  for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.2; done
  # the generated rows came without data keys: the service seals them at
  # start (app::vault::seal_legacy); time the pages once that is done
  for _ in $(seq 1 600); do
    [ "$("${PSQL[@]}" -At -c "SELECT count(*) FROM (SELECT 1 FROM complaints WHERE dek IS NULL LIMIT 1) x")" = 0 ] && break
    sleep 1
  done
  JAR=$WORK/cookies
  curl -s -c "$JAR" -o /dev/null -H "Origin: $BASE" \
    --data-urlencode "login=bench.admin" --data-urlencode "password@$WORK/pw" "$BASE/console/login"
  signed_in=$(curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "$BASE/console")
  if [ "$signed_in" != 200 ]; then
    echo "the bench could not sign in (GET /console answered $signed_in)" >&2
    cat "$WORK/serve.log" >&2
    exit 1
  fi
  # reception's inbox: a sixth of all complaints are registered (to forward)
  target/release/aduan user create --login bench.loket --role reception --password-stdin < "$WORK/pw" >/dev/null
  JAR2=$WORK/cookies2
  curl -s -c "$JAR2" -o /dev/null -H "Origin: $BASE" \
    --data-urlencode "login=bench.loket" --data-urlencode "password@$WORK/pw" "$BASE/console/login"
  one=$("${PSQL[@]}" -At -c "SELECT id FROM complaints ORDER BY received_at DESC OFFSET $((N / 2)) LIMIT 1")
  page() {
    local label=$1 path=$2 code
    code=$(curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "$BASE$path")
    for _ in $(seq 1 200); do
      curl -s -b "$JAR" -o /dev/null -w '%{time_total}\n' "$BASE$path"
    done | sort -n | awk -v l="$label" -v c="$code" \
      '{a[NR] = $1} END {printf "| %s | %s | %.1f ms | %.1f ms |\n", l, c, a[int(NR * 0.5)] * 1000, a[int(NR * 0.99)] * 1000}'
  }
  searches "PostgreSQL"
  echo
  echo "| console page ($N complaints) | status | p50 | p99 |"
  echo "|---|---|---|---|"
  page "inbox (admin: nothing held)" "/console"
  JAR_SAVED=$JAR; JAR=$JAR2
  page "inbox: reception (a sixth of all registered)" "/console"
  page "list as reception (bulk bar, its count)" "/console/complaints?status=registered"
  JAR=$JAR_SAVED
  page "list, first page" "/console/complaints"
  page "list, status = in progress" "/console/complaints?status=in_progress"
  page "list, channel = LAPOR!" "/console/complaints?channel=lapor"
  page "list, subject search (rare)" "/console/complaints?q=oebobo"
  page "list, received in one week" "/console/complaints?from=2025-01-01&to=2025-01-07"
  page "list, overdue" "/console/complaints?due=overdue"
  page "list, due within 7 days" "/console/complaints?due=week"
  page "list, overdue not forwarded" "/console/complaints?due=overdue&holder=none"
  page "list, LAPOR! follow-ups at risk" "/console/complaints?due=lapor"
  page "one complaint" "/console/complaints/$one"
  page "lembar disposisi" "/console/complaints/$one/sheet"
  page "dashboard" "/console/dashboard"
  page "LAPOR! and mail" "/console/lapor"
  page "admin: organisation" "/console/admin/org"
  page "admin: calendar" "/console/admin/calendar"
  page "admin: outbox" "/console/admin/outbox"
  page "register form" "/console/register"
  page "my account" "/console/account"
  kill $SERVE 2>/dev/null || true
fi

# The same on SQLite, if the sqlite3 shell is installed (Debian: sqlite3).
if [ "${SQLITE:-1}" = 1 ] && command -v sqlite3 >/dev/null; then
  DB=$WORK/data/sqlite.db
  DATABASE_URL=sqlite://$DB ADUAN_DATA_DIR=$WORK/data target/release/aduan migrate >/dev/null
  echo
  echo "SQLite: loading $N complaints…"
  start=$(date +%s)
  sqlite3 "$DB" <<SQL
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $N)
INSERT INTO complaints (id, tracking_number, kind, channel, status, received_at, registered_at,
  updated_at, subject, subject_lower, body, anonymous, confidential, version, access_digest)
SELECT randomblob(16), 'ADU-2026-' || printf('%07d', n),
  CASE n % 3 WHEN 0 THEN 'complaint' WHEN 1 THEN 'aspiration' ELSE 'information_request' END,
  CASE n % 7 WHEN 0 THEN 'face_to_face' WHEN 1 THEN 'suggestion_box' WHEN 2 THEN 'letter'
    WHEN 3 THEN 'email' WHEN 4 THEN 'lapor' WHEN 5 THEN 'api' ELSE 'other' END,
  CASE n % 6 WHEN 0 THEN 'registered' WHEN 1 THEN 'with_head' WHEN 2 THEN 'disposed'
    WHEN 3 THEN 'in_progress' WHEN 4 THEN 'answered' ELSE 'closed' END,
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1704067200 + n * 47, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1704067200 + n * 47, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1704067200 + n * 47, 'unixepoch'),
  'Pengaduan nomor ' || n || CASE WHEN n % 1000 = 0 THEN ' jalan rusak Oebobo' ELSE ' bantuan PKH' END,
  lower('Pengaduan nomor ' || n || CASE WHEN n % 1000 = 0 THEN ' jalan rusak Oebobo' ELSE ' bantuan PKH' END),
  (SELECT group_concat(json_extract(json_array($VOCAB), '\$[' || ((n * (k * 7919 + 13)) % 50) || ']'), ' ')
   FROM (SELECT value AS k FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14]'))),
  0, 0, 1, 'x'
FROM g;
-- the search index as the service writes it: stems, a name tag
INSERT INTO complaint_search (complaint_id) SELECT id FROM complaints ORDER BY received_at;
INSERT INTO complaint_words (rowid, subject, body, names)
SELECT s.n,
  'adu nomor ' || substr(c.tracking_number, 10) || CASE WHEN c.subject LIKE '%Oebobo' THEN ' jalan rusak oebobo' ELSE ' bantu pkh' END,
  (SELECT group_concat(json_extract(json_array($(printf "'%s'," $STEMS | sed 's/,$//')), '\$[' || ((CAST(substr(c.tracking_number, 10) AS INTEGER) * (k * 7919 + 13)) % 50) || ']'), ' ')
   FROM (SELECT value AS k FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14]'))),
  'n' || lower(hex(randomblob(8)))
FROM complaint_search s JOIN complaints c ON c.id = s.complaint_id;
INSERT INTO integration_state (name, cursor, imported_total, updated_at)
VALUES ('search_index', 'done', 0, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'));
ANALYZE;
SQL
  echo "loaded in $(( $(date +%s) - start )) s"
  mid=$(sqlite3 "$DB" "SELECT received_at || '|' || hex(id) FROM complaints ORDER BY received_at DESC, id DESC LIMIT 1 OFFSET $((N / 2))")
  t=${mid%%|*}; i=${mid##*|}
  sq() {
    local label=$1 sql=$2 plan ms
    plan=$(sqlite3 "$DB" "EXPLAIN QUERY PLAN $sql" | sed -n 2p | sed 's/^[|`-]*//') || true
    # ten runs; the shell's timer has millisecond resolution
    ms=$( { echo ".timer on"; for _ in 1 2 3 4 5 6 7 8 9 10; do echo "$sql;"; done; } | sqlite3 "$DB" 2>&1 \
          | grep -oE 'real [0-9.]+' | awk '{s += $2} END {printf "%.2f", s * 100}') || true
    printf '| %s | %s | %s ms (mean of 10) |\n' "$label" "$plan" "$ms"
  }
  echo
  echo "| query (limit 51, SQLite) | plan | wall |"
  echo "|---|---|---|"
  sq "first page" "SELECT $cols FROM complaints WHERE 1 = 1 ORDER BY received_at DESC, id DESC LIMIT 51"
  sq "page at the middle (keyset)" "SELECT $cols FROM complaints WHERE 1 = 1 AND (received_at, id) < ('$t', x'$i') ORDER BY received_at DESC, id DESC LIMIT 51"
  sq "status = in_progress, middle" "SELECT $cols FROM complaints WHERE 1 = 1 AND status = 'in_progress' AND (received_at, id) < ('$t', x'$i') ORDER BY received_at DESC, id DESC LIMIT 51"
  sq "subject search (rare: 0.1 %)" "SELECT $cols FROM complaints WHERE 1 = 1 AND subject_lower LIKE '%oebobo%' ESCAPE '\\' ORDER BY received_at DESC, id DESC LIMIT 51"
  sq "by tracking number" "SELECT $cols FROM complaints WHERE tracking_number = 'ADU-2026-0$((N / 3))'"
  sq "count by status (metrics)" "SELECT status, COUNT(*) FROM complaints GROUP BY status ORDER BY status"
  sq "inbox: reception (a sixth of all registered)" "$inbox"
  # the search through the service on this SQLite file
  WEB_PORT=$(( PORT + 2 ))
  BASE="http://127.0.0.1:$WEB_PORT"
  DATABASE_URL=sqlite://$DB ADUAN_DATA_DIR=$WORK/data ADUAN_LISTEN=127.0.0.1:$WEB_PORT \
    ADUAN_PUBLIC_BASE_URL=$BASE ADUAN_REQUIRE_2FA=none ADUAN_LOG=warn \
    target/release/aduan > "$WORK/serve-sqlite.log" 2>&1 &
  SERVE=$!
  trap 'kill $SERVE 2>/dev/null; $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1; rm -rf "$WORK"' EXIT
  for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.2; done
  for _ in $(seq 1 600); do
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT 1 FROM complaints WHERE dek IS NULL LIMIT 1)")" = 0 ] && break
    sleep 1
  done
  export DATABASE_URL=sqlite://$DB
  searches "SQLite"
  if [ "${PAGES:-1}" = 1 ]; then
    target/release/aduan user create --login bench.loket --role reception --password-stdin < "$WORK/pw" >/dev/null
    JAR=$WORK/cookies3
    curl -s -c "$JAR" -o /dev/null -H "Origin: $BASE" \
      --data-urlencode "login=bench.loket" --data-urlencode "password@$WORK/pw" "$BASE/console/login"
    echo
    echo "| console page, SQLite ($N complaints) | status | p50 | p99 |"
    echo "|---|---|---|---|"
    page "inbox: reception (a sixth of all registered)" "/console"
    page "list as reception (bulk bar, its count)" "/console/complaints?status=registered"
    page "list, first page" "/console/complaints"
    page "list, channel = LAPOR!" "/console/complaints?channel=lapor"
  fi
  kill $SERVE 2>/dev/null || true
fi
