#!/usr/bin/env bash
# National scale on one PostgreSQL (issue 38): for each size given (default
# 100000 1000000 10000000) a fresh cluster gets that many complaints with a
# realistic mix, generated in SQL, then the release service on it is timed:
# every console page, the API's lists and filters, the search, each report
# grouping and chart, the reminder sweep and the reports job, and the
# service's memory while 50 people use the console at once. One table per
# size, then one with the sizes side by side (p99), so the curve shows.
#
#   bench/scale.sh                      # 100 k, 1 M and 10 M (about an hour here)
#   bench/scale.sh 100000 1000000       # the sizes given
#   REPEAT=100 bench/scale.sh 100000    # requests per measurement (default 200)
#   KEEP=1 bench/scale.sh 10000000      # leave each database running, for EXPLAIN
#   BACKEND=sqlite bench/scale.sh 1000000  # the same on SQLite (one office's promise)
#   STORE=/var/tmp/scale bench/scale.sh # keep each size's database in STORE/SIZE
#                                       # and measure again on it next time
#
# With STORE, a size loaded before is not loaded again (a 10 M load takes
# half an hour): the new binary migrates it, the day tallies and the
# sweep's record of what it told are emptied so that the jobs do their first
# run's work again, and new users and keys are made; the load line says
# when and how fast it was loaded.
#
# The mix, at any size: five years of complaints up to now; channels as an
# office with LAPOR! and WhatsApp sees them (LAPOR! 35 %, WhatsApp 20 %, web
# 10 %, face to face 8 %, letter 7 %, email 6 %, Telegram, SMS, phone, the
# box, API); the newest 2.5 % open (registered, with the head, disposed,
# in progress, approved), ~300 of them late; the rest answered or closed with
# a dispatched answer 0-19 days after receipt; events (registered, disposed,
# answered), a disposition with its recipient for every complaint that went
# past the head, an answer draft for every answered one, attachments'
# metadata for 5 %, the reports' day tallies (the reports job's first run).
# A body is fourteen words of a Dinas Sosial vocabulary of fifty (each word
# in a quarter to all of the complaints: harsher than real text).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${*:-100000 1000000 10000000}
BACKEND=${BACKEND:-postgres}
REPEAT=${REPEAT:-200}
cargo build --release --locked -q
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
OUT=$(mktemp -d /tmp/aduan-scale-out.XXXXXX)
AS_PG=""
[ "$(id -u)" = 0 ] && AS_PG="runuser -u postgres --"
WORK=""
SERVE=""
cleanup() {
  [ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null
  if [ -n "$WORK" ]; then
    [ "$BACKEND" = postgres ] && { $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true; }
    [ -z "${STORE:-}" ] && rm -rf "$WORK"
  fi
}
trap cleanup EXIT

VOCAB="'bantuan','sudah','tiga','bulan','belum','cair','kartu','lansia','ibu','kami','rumah','rusak','desa','kelurahan','petugas','datang','mohon','segera','ditindaklanjuti','data','dtks','pkh','bpnt','sembako','beras','anak','sekolah','sakit','obat','kursi','roda','disabilitas','pendamping','kantor','camat','lurah','rt','rw','warga','miskin','layak','tidak','terdaftar','hilang','uang','potongan','pungutan','janji','tahap','oktober'"

# "label<TAB>status<TAB>p50 ms<TAB>p99 ms" of $REPEAT requests, one after another
timed() {
  local label=$1 code
  shift
  code=$(curl -s -o /dev/null -w '%{http_code}' "$@")
  for _ in $(seq 1 "$REPEAT"); do
    curl -s -o /dev/null -w '%{time_total}\n' "$@"
  done | sort -n | awk -v l="$label" -v c="$code" \
    '{a[NR] = $1} END {printf "%s\t%s\t%.1f\t%.1f\n", l, c, a[int(NR * 0.5)] * 1000, a[int(NR * 0.99)] * 1000}'
}

# "label<TAB>-<TAB>ms<TAB>ms" of one run of a job, as the CLI reports it (or wall time)
job() {
  local label=$1 s e
  shift
  s=$(date +%s%N)
  target/release/aduan run-job "$@" > "$WORK/job.out" 2>&1
  e=$(date +%s%N)
  # what the job said, shortened, in the label's place of a status
  printf '%s\t%s\t%.0f\t%.0f\n' "$label" "$(grep -v '^aduan: database' "$WORK/job.out" | head -n 1 | cut -c 1-70)" $(( (e - s) / 1000000 )) $(( (e - s) / 1000000 ))
}

# One complaint registered through the service lends its sealed data key to
# the generated ones (they hold no personal data; sealing ten million keys
# one by one at start would take an hour). Sets KEY and MKEY.
template_complaint() {
  target/release/aduan > "$WORK/serve.log" 2>&1 &
  SERVE=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.2; done
  KEY=$(target/release/aduan apikey create --name bench-desk --role reception | tail -n 1)
  MKEY=$(target/release/aduan apikey create --name bench-manager --role manager | tail -n 1)
  curl -sS -o "$WORK/template.json" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
    -d '{"channel":"letter","kind":"complaint","subject":"Templat","body":"Templat kunci","reporter":{"name":"Templat","phone":"081200000000"}}' \
    "$BASE/api/v1/complaints"
  grep -q tracking_number "$WORK/template.json" || { echo "the template complaint was refused:" >&2; cat "$WORK/template.json" >&2; exit 1; }
  kill $SERVE; wait $SERVE 2>/dev/null || true; SERVE=""
}

load_postgres() {
  [ -n "$AS_PG" ] && chown postgres: "$WORK"
  [ "$reuse" = 0 ] && $AS_PG "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  # a server as a province would give it: a quarter of the memory for
  # shared buffers; the load runs without fsync, the measurements with
  pgopts="-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$WORK \
    -c shared_buffers=4GB -c effective_cache_size=12GB -c work_mem=32MB \
    -c maintenance_work_mem=1GB -c max_wal_size=2GB -c checkpoint_timeout=30min \
    -c random_page_cost=1.1 -c max_connections=200"
  URL="postgres://postgres@127.0.0.1:$PORT/postgres"
  export DATABASE_URL=$URL ADUAN_DATA_DIR=$WORK/data ADUAN_REQUIRE_2FA=none ADUAN_LOG=warn
  if [ "$reuse" = 0 ]; then
  $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" \
    -o "$pgopts -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c autovacuum=off" start >/dev/null \
    || { tail -n 20 "$WORK/pg.log" >&2; exit 1; }
  target/release/aduan migrate >/dev/null 2>&1
  fi
  PSQL=(psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)

  if [ "$reuse" = 0 ]; then
  template_complaint

  echo "$N complaints: loading…" >&2
  start=$(date +%s)
  "${PSQL[@]}" <<SQL
CREATE FUNCTION bench_uuid7(ts timestamptz, salt text) RETURNS uuid LANGUAGE sql IMMUTABLE AS \$\$
  SELECT (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '7'
          || substr(md5(salt), 1, 3) || '8' || substr(md5(salt), 4, 15))::uuid
\$\$;
INSERT INTO org_units (id, name, created_at) VALUES
  ('00000000-0000-7000-8000-0000000000a1', 'Sekretariat', now()),
  ('00000000-0000-7000-8000-0000000000a2', 'Bidang Perlindungan dan Jaminan Sosial', now()),
  ('00000000-0000-7000-8000-0000000000a3', 'Bidang Rehabilitasi Sosial', now()),
  ('00000000-0000-7000-8000-0000000000a4', 'Bidang Pemberdayaan Sosial', now());
INSERT INTO positions (id, unit_id, title, superior_id, is_head, created_at) VALUES
  ('00000000-0000-7000-8000-0000000000b0', NULL, 'Kepala Dinas', NULL, true, now()),
  ('00000000-0000-7000-8000-0000000000b1', '00000000-0000-7000-8000-0000000000a1', 'Sekretaris', '00000000-0000-7000-8000-0000000000b0', false, now()),
  ('00000000-0000-7000-8000-0000000000b2', '00000000-0000-7000-8000-0000000000a2', 'Kepala Bidang Linjamsos', '00000000-0000-7000-8000-0000000000b0', false, now()),
  ('00000000-0000-7000-8000-0000000000b3', '00000000-0000-7000-8000-0000000000a3', 'Kepala Bidang Rehsos', '00000000-0000-7000-8000-0000000000b0', false, now()),
  ('00000000-0000-7000-8000-0000000000b4', '00000000-0000-7000-8000-0000000000a4', 'Kepala Bidang Dayasos', '00000000-0000-7000-8000-0000000000b0', false, now()),
  ('00000000-0000-7000-8000-0000000000c2', '00000000-0000-7000-8000-0000000000a2', 'Kepala Seksi Jaminan Sosial', '00000000-0000-7000-8000-0000000000b2', false, now()),
  ('00000000-0000-7000-8000-0000000000c3', '00000000-0000-7000-8000-0000000000a3', 'Kepala Seksi Rehabilitasi Lansia', '00000000-0000-7000-8000-0000000000b3', false, now()),
  ('00000000-0000-7000-8000-0000000000c4', '00000000-0000-7000-8000-0000000000a4', 'Kepala Seksi Pemberdayaan', '00000000-0000-7000-8000-0000000000b4', false, now());
INSERT INTO categories (key, name) VALUES ('pkh', 'PKH'), ('bpnt', 'BPNT'), ('kis', 'KIS'),
  ('dtks', 'DTKS'), ('rehabilitasi', 'Rehabilitasi'), ('lainnya', 'Lainnya') ON CONFLICT DO NOTHING;
INSERT INTO answer_drafts (id, complaint_id, version_no, body, author_position_id, submitted, created_at)
  SELECT '00000000-0000-7000-8000-0000000000d1', id, 1, 'Jawaban.', '00000000-0000-7000-8000-0000000000b2', true, now()
  FROM complaints LIMIT 1;
SQL
  local dek step chunk=1000000 from=1
  dek=$("${PSQL[@]}" -At -c "SELECT dek FROM complaints LIMIT 1")
  while [ "$from" -le "$N" ]; do
    local to=$(( from + chunk - 1 )); [ "$to" -gt "$N" ] && to=$N
    "${PSQL[@]}" <<SQL
-- g: the complaint's rank in time (1 = five years ago, N = now); p: a
-- pseudo-random permille of it; open: the newest 2.5 %
INSERT INTO complaints (id, tracking_number, kind, channel, status, received_at, registered_at,
  updated_at, subject, subject_lower, body, category, anonymous, confidential, version,
  access_digest, extra_working_days, due_at, lapor_followup_due_at, holder_position_id,
  lapor_tracking_id, letter_number, dek)
SELECT bench_uuid7(t, g::text), 'ADU-' || extract(year FROM t) || '-' || lpad(g::text, 8, '0'),
  CASE WHEN p < 700 THEN 'complaint' WHEN p < 900 THEN 'aspiration' ELSE 'information_request' END,
  ch, st, t, t, t,
  subj, lower(subj), w.body,
  (ARRAY['PKH','BPNT','KIS','DTKS','Rehabilitasi','Lainnya'])[1 + g % 6],
  false, false, 1, 'x', 0,
  CASE WHEN NOT open THEN t + interval '14 days'
       WHEN late THEN now() - (1 + g % 30) * interval '1 day'
       ELSE now() + (1 + g % 25) * interval '1 day' END,
  CASE WHEN open AND ch = 'lapor' THEN
       CASE WHEN late THEN now() - interval '1 day' ELSE now() + (g % 25) * interval '1 day' END END,
  CASE st WHEN 'with_head' THEN '00000000-0000-7000-8000-0000000000b0'::uuid
          WHEN 'disposed' THEN (ARRAY['00000000-0000-7000-8000-0000000000b2','00000000-0000-7000-8000-0000000000b3','00000000-0000-7000-8000-0000000000b4'])[1 + g % 3]::uuid
          WHEN 'in_progress' THEN (ARRAY['00000000-0000-7000-8000-0000000000c2','00000000-0000-7000-8000-0000000000c3','00000000-0000-7000-8000-0000000000c4'])[1 + g % 3]::uuid
          END,
  CASE WHEN ch = 'lapor' THEN 'LPR' || lpad(g::text, 9, '0') END,
  CASE WHEN ch = 'letter' THEN '400/' || g || '/Dinsos/' || extract(year FROM t) END,
  '$dek'
FROM (
  SELECT g, p, open, late, t,
    CASE WHEN p < 350 THEN 'lapor' WHEN p < 550 THEN 'whatsapp' WHEN p < 650 THEN 'web'
         WHEN p < 730 THEN 'face_to_face' WHEN p < 800 THEN 'letter' WHEN p < 860 THEN 'email'
         WHEN p < 890 THEN 'telegram' WHEN p < 920 THEN 'sms' WHEN p < 950 THEN 'phone'
         WHEN p < 970 THEN 'suggestion_box' ELSE 'api' END AS ch,
    CASE WHEN NOT open THEN (CASE WHEN p % 10 < 7 THEN 'closed' ELSE 'answered' END)
         WHEN p < 200 THEN 'registered' WHEN p < 350 THEN 'with_head' WHEN p < 600 THEN 'disposed'
         WHEN p < 900 THEN 'in_progress' ELSE 'approved' END AS st,
    'Pengaduan ' || (ARRAY['bantuan PKH','kartu lansia','BPNT belum cair','data DTKS','kursi roda','beras sembako'])[1 + g % 6]
      || (CASE WHEN g % 1000 = 0 THEN ' jalan rusak Oebobo' ELSE '' END) AS subj
  FROM (
    SELECT g, ((g::bigint * 2654435761) % 1000)::int AS p, g > $N - $N / 40 AS open,
      g > $N - $N / 40 AND g % greatest($N / 40 / 300, 1) = 0 AS late,
      now() - ($N - g) * (interval '1826 days' / $N) AS t
    FROM generate_series($from, $to) g) a) c,
LATERAL (SELECT string_agg((ARRAY[$VOCAB])[1 + ((c.g::bigint * (k * 7919 + 13)) % 50)::int], ' ') AS body
  FROM generate_series(1, 14) k) w;
SQL
    echo "  $to complaints ($(( $(date +%s) - start )) s)" >&2
    from=$(( to + 1 ))
  done
  "${PSQL[@]}" <<SQL
-- the search index as the service writes it (ADR 0029), with its pairs
-- and its month (migration 0037)
INSERT INTO complaint_search (complaint_id, doc, v)
SELECT id, d || aduan_search_pairs(d) || aduan_search_month(received_at), 2 FROM (
  SELECT id, received_at,
    setweight(to_tsvector('indonesian', subject), 'A') || to_tsvector('indonesian', body) AS d
  FROM complaints WHERE subject <> 'Templat') x;
-- the timeline: registered; disposed (past the head); answered
INSERT INTO complaint_events (id, complaint_id, at, kind, actor_name, actor_role, status, detail)
SELECT bench_uuid7(received_at, id::text || 'r'), id, received_at, 'registered', 'Resepsionis', 'reception', 'registered', ''
FROM complaints WHERE subject <> 'Templat';
INSERT INTO complaint_events (id, complaint_id, at, kind, actor_name, actor_role, status, detail)
SELECT bench_uuid7(received_at + interval '1 day', id::text || 'd'), id, received_at + interval '1 day',
  'disposed', 'Kepala Dinas', 'head', 'disposed', 'Mohon ditindaklanjuti'
FROM complaints WHERE status NOT IN ('registered', 'with_head') AND subject <> 'Templat';
INSERT INTO dispositions (id, complaint_id, from_position_id, instruction, created_at)
SELECT bench_uuid7(received_at + interval '1 day', id::text || 'p'), id,
  '00000000-0000-7000-8000-0000000000b0', 'Mohon ditindaklanjuti', received_at + interval '1 day'
FROM complaints WHERE status NOT IN ('registered', 'with_head') AND subject <> 'Templat';
INSERT INTO disposition_recipients (disposition_id, position_id, is_primary, read_at)
SELECT d.id, (ARRAY['00000000-0000-7000-8000-0000000000b2','00000000-0000-7000-8000-0000000000b3','00000000-0000-7000-8000-0000000000b4'])[1 + abs(hashtext(d.id::text)) % 3]::uuid,
  true, CASE WHEN c.status IN ('answered', 'closed') THEN d.created_at + interval '2 hours' END
FROM dispositions d JOIN complaints c ON c.id = d.complaint_id;
INSERT INTO answer_drafts (id, complaint_id, version_no, body, author_position_id, submitted, created_at)
SELECT bench_uuid7(received_at + interval '3 days', id::text || 'a'), id, 1,
  'Terima kasih atas pengaduan Bapak/Ibu. Bantuan telah kami verifikasi dan akan disalurkan pada tahap berikutnya.',
  '00000000-0000-7000-8000-0000000000b2', true, received_at + interval '3 days'
FROM complaints WHERE status IN ('answered', 'closed', 'approved');
INSERT INTO answer_dispatches (id, complaint_id, draft_id, method, actor_name, at)
SELECT bench_uuid7(c.received_at + (abs(hashtext(c.id::text)) % 20) * interval '1 day', c.id::text || 'x'), c.id, a.id,
  'in_person', 'bench', c.received_at + (abs(hashtext(c.id::text)) % 20) * interval '1 day'
FROM complaints c JOIN answer_drafts a ON a.complaint_id = c.id
WHERE c.status IN ('answered', 'closed');
INSERT INTO complaint_events (id, complaint_id, at, kind, actor_name, actor_role, status, detail)
SELECT bench_uuid7(at, complaint_id::text || 'e'), complaint_id, at, 'answered', 'Resepsionis', 'reception', 'answered', 'in_person'
FROM answer_dispatches;
INSERT INTO attachments (id, complaint_id, file_name, content_type, size_bytes, sha256, created_at, dek)
SELECT bench_uuid7(received_at, id::text || 'f'), id, 'foto.jpg', 'image/jpeg', 250000, md5(id::text), received_at, dek
FROM complaints WHERE (('x' || substr(md5(id::text), 1, 4))::bit(16)::int % 20) = 0;
INSERT INTO integration_state (name, cursor, imported_total, updated_at)
VALUES ('search_index', 'done', 0, now()) ON CONFLICT (name) DO UPDATE SET cursor = 'done';
SQL
  echo "  related rows ($(( $(date +%s) - start )) s)" >&2
  "${PSQL[@]}" -c "VACUUM ANALYZE" >/dev/null
  loaded=$(( $(date +%s) - start ))
  size=$("${PSQL[@]}" -At -c "SELECT pg_size_pretty(pg_database_size('postgres'))")
  open=$("${PSQL[@]}" -At -c "SELECT count(*) FROM complaints WHERE status NOT IN ('answered','closed')")
  late=$("${PSQL[@]}" -At -c "SELECT count(*) FROM complaints WHERE status NOT IN ('answered','closed') AND due_at < now()")
  echo "  loaded in $loaded s: $size, $open open, $late late; the largest tables with their indexes:" >&2
  "${PSQL[@]}" -At -c "SELECT relname || ': ' || pg_size_pretty(pg_total_relation_size(oid)) || ' (indexes ' \
    || pg_size_pretty(pg_indexes_size(oid)) || ')' FROM pg_class WHERE relkind = 'r' \
    AND relnamespace = 'public'::regnamespace ORDER BY pg_total_relation_size(oid) DESC LIMIT 8" | sed 's/^/    /' >&2
  echo "$loaded s on $(date -u +%Y-%m-%d), $size, $open open, $late late" > "$WORK/loaded"
  else
    echo "$N complaints: loaded before ($(cat "$WORK/loaded")); measuring again" >&2
    $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" -o "$pgopts" start >/dev/null \
      || { tail -n 20 "$WORK/pg.log" >&2; exit 1; }
    target/release/aduan migrate >/dev/null
    # the jobs' first run again: no day tallies, nothing told yet
    "${PSQL[@]}" -c "TRUNCATE report_days, report_refresh; DELETE FROM notices" >/dev/null
    "${PSQL[@]}" -c "VACUUM ANALYZE" >/dev/null
    read -r loaded _ < "$WORK/loaded"
    size=$("${PSQL[@]}" -At -c "SELECT pg_size_pretty(pg_database_size('postgres'))")
    open=$("${PSQL[@]}" -At -c "SELECT count(*) FROM complaints WHERE status NOT IN ('answered','closed')")
    late=$("${PSQL[@]}" -At -c "SELECT count(*) FROM complaints WHERE status NOT IN ('answered','closed') AND due_at < now()")
    KEY=$(target/release/aduan apikey create --name "bench-desk-$$" --role reception | tail -n 1)
    MKEY=$(target/release/aduan apikey create --name "bench-manager-$$" --role manager | tail -n 1)
  fi
  # the measurements with fsync and autovacuum on, as in production
  $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null
  $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" -o "$pgopts" start >/dev/null \
    || { tail -n 20 "$WORK/pg.log" >&2; exit 1; }
}

# the same mix in one SQLite file (bench/scale_sqlite.py makes the rows)
load_sqlite() {
  local DB=$WORK/aduan.db
  URL=sqlite://$DB
  export DATABASE_URL=$URL
  SQ=(sqlite3 "$DB")
  target/release/aduan migrate >/dev/null 2>&1
  if [ "$reuse" = 0 ]; then
    template_complaint
    echo "$N complaints on SQLite: loading…" >&2
    start=$(date +%s)
    python3 bench/scale_sqlite.py "$DB" "$N" "$("${SQ[@]}" "SELECT dek FROM complaints LIMIT 1")"
    loaded=$(( $(date +%s) - start ))
  else
    echo "$N complaints on SQLite: loaded before ($(cat "$WORK/loaded")); measuring again" >&2
    "${SQ[@]}" "DELETE FROM report_days; DELETE FROM report_refresh; DELETE FROM notices; ANALYZE" >/dev/null
    read -r loaded _ < "$WORK/loaded"
    KEY=$(target/release/aduan apikey create --name "bench-desk-$$" --role reception | tail -n 1)
    MKEY=$(target/release/aduan apikey create --name "bench-manager-$$" --role manager | tail -n 1)
  fi
  size="$(du -sh "$WORK" | cut -f1)B"
  open=$("${SQ[@]}" "SELECT count(*) FROM complaints WHERE status NOT IN ('answered','closed')")
  late=$("${SQ[@]}" "SELECT count(*) FROM complaints WHERE status NOT IN ('answered','closed') AND due_at < strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')")
  [ "$reuse" = 0 ] && echo "$loaded s on $(date -u +%Y-%m-%d), $size, $open open, $late late" > "$WORK/loaded"
  return 0
}

# one value from the database (a row's values joined by |)
scalar() {
  if [ "$BACKEND" = sqlite ]; then "${SQ[@]}" "$1"; else "${PSQL[@]}" -At -c "$1"; fi
}

one_size() {
  local N=$1 PORT URL start reuse=0 size open late loaded
  if [ -n "${STORE:-}" ]; then
    WORK=$STORE/$N
    [ "$BACKEND" = sqlite ] && WORK=$STORE/sqlite-$N
    [ -f "$WORK/loaded" ] && reuse=1
    [ "$reuse" = 0 ] && rm -rf "$WORK"
    mkdir -p "$WORK"
  else
    WORK=$(mktemp -d /tmp/aduan-scale.XXXXXX)
  fi
  # below the ephemeral ports (32768-): curl's sockets in TIME_WAIT hold those
  PORT=$(( 20000 + RANDOM % 12000 ))
  BASE="http://127.0.0.1:$(( PORT + 1 ))"
  export ADUAN_LISTEN=127.0.0.1:$(( PORT + 1 )) ADUAN_PUBLIC_BASE_URL=$BASE
  export ADUAN_DATA_DIR=$WORK/data ADUAN_REQUIRE_2FA=none ADUAN_LOG=warn
  if [ "$BACKEND" = sqlite ]; then load_sqlite; else load_postgres; fi

  local T=$OUT/$N.tsv
  : > "$T"
  local was=""
  [ "$reuse" = 1 ] && was=" (loaded by an earlier run)"
  printf 'load: time, size, open, late\t-\t%s s\t%s s%s, %s, %s open, %s late\n' "$loaded" "$loaded" "$was" "$size" "$open" "$late" >> "$T"
  job "reports job, first run (every day of five years)" reports >> "$T"
  job "reports job an hour later (incremental)" reports --at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" >> "$T"
  # the sweep works in office hours only: 10.00 WIB of today, or of the
  # last weekday before it (what it did is in the label)
  local d=0 at
  while [ "$(date -u -d "-$d days" +%u)" -gt 5 ]; do d=$(( d + 1 )); done
  at=$(date -u -d "-$d days" +%Y-%m-%dT03:00:00Z)
  job "reminder sweep" reminder-sweep --at "$at" >> "$T"
  job "reminder sweep again (nothing new)" reminder-sweep --at "$at" >> "$T"
  # what the dashboard's worker counts each minute in the background (app::dashboard)
  local ms
  if [ "$BACKEND" = sqlite ]; then
    ms=$(printf '.timer on\nSELECT status, count(*) FROM complaints GROUP BY status;\n' | "${SQ[@]}" \
      | awk '/^Run Time/ {printf "%.0f", $4 * 1000}')
  else
    ms=$("${PSQL[@]}" -At -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT status, count(*) FROM complaints GROUP BY status" \
      | python3 -c 'import json,sys; print(round(json.load(sys.stdin)[0]["Execution Time"]))')
  fi
  printf 'dashboard worker: count by status (each minute, background)\tok\t%s\t%s\n' "$ms" "$ms" >> "$T"

  target/release/aduan > "$WORK/serve.log" 2>&1 &
  SERVE=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.2; done
  printf %s "bench-password-$RANDOM-long" > "$WORK/pw"
  target/release/aduan user create --login "bench.admin.$$" --role admin --password-stdin < "$WORK/pw" >/dev/null
  target/release/aduan user create --login "bench.loket.$$" --role reception --password-stdin < "$WORK/pw" >/dev/null
  local login
  for login in admin loket; do
    curl -s -c "$WORK/jar.$login" -o /dev/null -H "Origin: $BASE" \
      --data-urlencode "login=bench.$login.$$" --data-urlencode "password@$WORK/pw" "$BASE/console/login"
  done
  if [ "$(curl -s -b "$WORK/jar.admin" -o /dev/null -w '%{http_code}' "$BASE/console")" != 200 ]; then
    echo "the bench could not sign in" >&2; cat "$WORK/serve.log" >&2; exit 1
  fi
  # 50 named complaints through the API, the newest (names indexed as the service does it)
  for n in $(seq 1 50); do
    curl -s -o /dev/null -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
      -d "{\"channel\":\"letter\",\"kind\":\"complaint\",\"subject\":\"Surat ke-$n\",\"body\":\"Kartu lansia belum diterima\",\"reporter\":{\"name\":\"Maria Goreti Bria $n\",\"phone\":\"0812390$(printf %05d "$n")\"}}" \
      "$BASE/api/v1/complaints"
  done
  local one lapor tracking idtext="id::text"
  [ "$BACKEND" = sqlite ] && idtext="lower(substr(hex(id), 1, 8) || '-' || substr(hex(id), 9, 4) || '-' || substr(hex(id), 13, 4) || '-' || substr(hex(id), 17, 4) || '-' || substr(hex(id), 21))"
  one=$(scalar "SELECT $idtext || '|' || tracking_number FROM complaints ORDER BY received_at DESC LIMIT 1 OFFSET $((N / 2))")
  tracking=${one#*|}; one=${one%%|*}
  lapor=$(scalar "SELECT lapor_tracking_id FROM complaints WHERE lapor_tracking_id IS NOT NULL ORDER BY received_at DESC LIMIT 1 OFFSET $((N / 5))")
  local admin=(-b "$WORK/jar.admin") desk=(-b "$WORK/jar.loket")
  page() { timed "console: $1" "${admin[@]}" "$BASE$2"; }
  api() { timed "API: $1" -H "Authorization: Bearer $MKEY" "$BASE$2"; }
  search() { timed "search: $1" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$2" "$BASE/api/v1/complaints/search"; }
  local Y1 Y0
  Y1=$(date -u +%Y-%m-%d); Y0=$(date -u -d '-365 days' +%Y-%m-%d)
  {
    timed "console: inbox, reception" "${desk[@]}" "$BASE/console"
    timed "console: list as reception (bulk bar, its count)" "${desk[@]}" "$BASE/console/complaints?status=registered"
    page "inbox, admin" "/console"
    page "list, first page" "/console/complaints"
    page "list, status = in progress" "/console/complaints?status=in_progress"
    page "list, channel = WhatsApp" "/console/complaints?channel=whatsapp"
    page "list, subject words (rare)" "/console/complaints?q=oebobo"
    page "list, received in one week a year ago" "/console/complaints?from=$(date -u -d '-372 days' +%d-%m-%Y)&to=$(date -u -d '-365 days' +%d-%m-%Y)"
    page "list, overdue" "/console/complaints?due=overdue"
    page "list, due within 7 days" "/console/complaints?due=week"
    page "list, overdue not forwarded" "/console/complaints?due=overdue&holder=none"
    page "list, LAPOR! follow-ups at risk" "/console/complaints?due=lapor"
    page "list, oldest first" "/console/complaints?sort=oldest"
    page "list, open by deadline" "/console/complaints?due=open"
    page "one complaint (five years old)" "/console/complaints/$one"
    page "lembar disposisi" "/console/complaints/$one/sheet"
    page "dashboard" "/console/dashboard"
    page "reports" "/console/reports"
    page "LAPOR! and mail" "/console/lapor"
    page "notifications" "/console/notifications"
    page "admin: organisation" "/console/admin/org"
    page "admin: outbox" "/console/admin/outbox"
    page "register form" "/console/register"
    api "complaints, first page" "/api/v1/complaints"
    api "complaints, status = disposed" "/api/v1/complaints?status=disposed"
    api "complaints, channel = lapor" "/api/v1/complaints?channel=lapor"
    api "complaints overdue" "/api/v1/complaints/overdue"
    api "complaints due soon" "/api/v1/complaints/due-soon"
    api "complaints, received in one week a year ago" "/api/v1/complaints?received_from=$(date -u -d '-372 days' +%Y-%m-%dT00:00:00Z)&received_to=$(date -u -d '-365 days' +%Y-%m-%dT00:00:00Z)"
    api "one complaint" "/api/v1/complaints/$one"
    api "its timeline" "/api/v1/complaints/$one/timeline"
    search "a LAPOR! tracking id" "{\"q\":\"$lapor\"}"
    api "inbox (manager)" "/api/v1/inbox"
    api "metrics" "/metrics"
    search "a rare word (0.1 %)" '{"q":"oebobo"}'
    search "a common word (a quarter)" '{"q":"dtks"}'
    search "a word of every complaint" '{"q":"pengaduan"}'
    search "two words" '{"q":"kartu lansia"}'
    search "a phrase of two common words" '{"q":"\"tiga bulan\""}'
    search "a phrase of three words" '{"q":"\"bantuan sudah tiga\""}'
    search "a word of a name (audited)" '{"q":"goreti"}'
    search "a name and a word" '{"q":"bria kartu"}'
    search "a tracking number" "{\"q\":\"$tracking\"}"
    search "nothing matches" '{"q":"xyzzy"}'
    for by in channel kind category unit holder month; do
      timed "report: summary of a year by $by" -H "Authorization: Bearer $MKEY" "$BASE/api/v1/reports/summary?from=$Y0&to=$Y1&group_by=$by"
    done
    timed "report: summary of five years by channel" -H "Authorization: Bearer $MKEY" "$BASE/api/v1/reports/summary?from=$(date -u -d '-1826 days' +%Y-%m-%d)&to=$Y1&group_by=channel"
    timed "report: summary of a year, XLSX" -H "Authorization: Bearer $MKEY" "$BASE/api/v1/reports/summary?from=$Y0&to=$Y1&group_by=channel&format=xlsx"
    for c in received-per-week on-time-by-unit overdue-ageing ikm; do
      timed "report: chart $c" -H "Authorization: Bearer $MKEY" "$BASE/api/v1/reports/charts/$c?from=$Y0&to=$Y1"
    done
  } >> "$T"

  # the process while 50 people use the console at once: 30 s of pages
  local paths=(/console /console/complaints "/console/complaints?status=in_progress" "/console/complaints/$one"
    /console/dashboard "/console/complaints?due=overdue" /console/reports "/console/complaints?channel=lapor")
  local deadline=$(( $(date +%s) + 30 ))
  rm -f "$WORK/codes"
  for u in $(seq 1 50); do
    (
      while [ "$(date +%s)" -lt "$deadline" ]; do
        curl -s -o /dev/null -w '%{http_code}\n' "${admin[@]}" "$BASE${paths[$(( RANDOM % ${#paths[@]} ))]}"
      done >> "$WORK/codes"
    ) &
  done
  local rss=0 r
  while [ "$(date +%s)" -lt "$deadline" ]; do
    r=$(awk '/VmRSS/ {print $2}' "/proc/$SERVE/status")
    [ "$r" -gt "$rss" ] && rss=$r
    sleep 0.5
  done
  wait $(jobs -p | grep -v "^$SERVE$") 2>/dev/null || true
  # the answers they got (a 503 under load would be a failure, not a figure)
  local codes
  codes=$(sort "$WORK/codes" | uniq -c | awk '{printf "%s%s × %s", (NR > 1 ? ", " : ""), $1, $2}')
  rm -f "$WORK/codes"
  printf 'service RSS, 50 people on the console for 30 s (peak)\t%s\t%s MB\t%s MB (VmHWM)\n' \
    "$codes" $(( rss / 1024 )) $(( $(awk '/VmHWM/ {print $2}' "/proc/$SERVE/status") / 1024 )) >> "$T"
  kill $SERVE; wait $SERVE 2>/dev/null || true; SERVE=""

  echo
  echo "| $N complaints | status | p50 | p99 |"
  echo "|---|---|---:|---:|"
  awk -F'\t' '{printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4}' "$T"
  if [ "${KEEP:-0}" = 1 ]; then
    # the database stays up for EXPLAIN (a 10 M load takes half an hour)
    if [ "$BACKEND" = postgres ]; then
      echo "kept: $URL (data $WORK; stop: $AS_PG $PGBIN/pg_ctl -D $WORK/pg stop, then rm -rf $WORK)" >&2
    else
      echo "kept: $URL (rm -rf $WORK when done)" >&2
    fi
    WORK=""
    return
  fi
  [ "$BACKEND" = postgres ] && $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null
  [ -z "${STORE:-}" ] && rm -rf "$WORK"
  WORK=""
}

for N in $SIZES; do one_size "$N"; done

# the sizes side by side: p99 (jobs: their time; load: seconds and size)
echo
set -- $SIZES
{
  printf '| p99 |'; for N in "$@"; do printf ' %s |' "$N"; done; echo
  printf '|---|'; for _ in "$@"; do printf -- '---:|'; done; echo
  cut -f1 "$OUT/$1.tsv" | while IFS= read -r label; do
    printf '| %s |' "$label"
    for N in "$@"; do
      printf ' %s |' "$(awk -F'\t' -v l="$label" '$1 == l {print $4; exit}' "$OUT/$N.tsv")"
    done
    echo
  done
}
rm -rf "$OUT"
