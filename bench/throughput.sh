#!/usr/bin/env bash
# Issue 19's figures, each against what the machine does in the same run:
#  1. intake on PostgreSQL (wrk, 32 connections) against pgbench's
#     single-row durable inserts into a 2-index table on the same cluster,
#     also at 32 connections — the ratio is the figure;
#     and against pgbench running a registration's own shape (a complaint
#     and its event per transaction on aduan's tables, with and without the
#     gapless counter);
#  2. intake on SQLite at 32 connections;
#  3. a LAPOR! backlog imported from lapor-sim (no faults), on both backends.
#
#   bench/throughput.sh [duration, default 20s] [LAPOR! reports, default 10000]
#
# Release build; log level warn; service pool 10 (bench/intake.sh showed
# fewer backends win on 2 cores). wrk, the service, lapor-sim and PostgreSQL
# share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20s}
REPORTS=${2:-10000}
CONNS=32
. bench/lib.sh
need_wrk
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -q --bin aduan --bin lapor-sim
  BIN=$PWD/target/release/aduan
fi
SIM=${SIM:-$PWD/target/release/lapor-sim}
secs() { echo "${DURATION%s}"; }

echo "aduan throughput — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
start_pg

# 1a. pgbench: one durable single-row INSERT per transaction, 2 indexes
psql_pg -c "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, v text NOT NULL, at timestamptz NOT NULL DEFAULT now()); CREATE INDEX ON bench_insert (at);"
echo "INSERT INTO bench_insert (v) VALUES ('Bantuan PKH belum diterima');" > "$WORK/insert.sql"
pgb=$($AS_PG "$PGBIN/pgbench" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c $CONNS -j 2 -T "$(secs)" -f "$WORK/insert.sql" postgres 2>/dev/null |
  awk '/^tps/ {print int($3)}')

intake() { # name url → "req/s p50 p99 non-2xx"
  local name=$1 url=$2 port
  export ADUAN_KEY
  ADUAN_KEY=$(DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/data-$name "$BIN" apikey create --name bench --role reception 2>/dev/null | tail -n 1)
  local admin
  admin=$(DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/data-$name "$BIN" apikey create --name bench-admin --role admin 2>/dev/null | tail -n 1)
  port=$(free_port)
  DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/data-$name ADUAN_LISTEN=127.0.0.1:$port \
    ADUAN_DB_MAX_CONNECTIONS=10 ADUAN_LOG=warn "$BIN" serve > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  wait_ready "$port"
  # post.lua's category, from the office's list (ADR 0030)
  curl -fs -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"name":"Bantuan Sosial"}' "http://127.0.0.1:$port/api/v1/categories" -o /dev/null
  wrk -t2 -c$CONNS -d3s -s bench/post.lua "http://127.0.0.1:$port/api/v1/complaints" >/dev/null
  wrk -t2 -c$CONNS -d"$DURATION" --latency -s bench/post.lua "http://127.0.0.1:$port/api/v1/complaints" | summarise > "$WORK/$name.wrk"
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
}

PGDB=postgres psql_pg -c "CREATE DATABASE intake"
intake postgres "postgres://postgres@127.0.0.1:$PGPORT/intake"
intake sqlite "sqlite://$WORK/data-sqlite/aduan.db"

# 1b. pgbench with a registration's shape, on aduan's own tables after the
# run (all their indexes, foreign keys and the trigram index): per
# transaction a copy of a complaint aduan wrote plus its `registered` event
# and its search entry (made by the same function aduan calls, ADR 0029),
# prepared statements, 32 clients — once with a random tracking number, once
# numbered from the gapless per-year counter as ADR 0002 requires.
shape() { # name counter? → tps
  local ccols esel ecols csel first ev num from=""
  ccols=$(PGDB=intake psql_pg -c "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'complaints'")
  ecols=$(PGDB=intake psql_pg -c "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'complaint_events'")
  first=$(PGDB=intake psql_pg -c "SELECT min(tracking_number) FROM complaints")
  ev=$(PGDB=intake psql_pg -c "SELECT min(id::text) FROM complaint_events")
  num="'PB-' || gen_random_uuid()"
  if [ "$2" = counter ]; then num="'PB-' || n.last_value"; from=", n"; fi
  csel=$(echo "$ccols" | sed -e 's/\bid\b/gen_random_uuid()/' -e 's/\btracking_number\b/TNUM/')
  csel=${csel/TNUM/$num}
  esel=$(echo "$ecols" | sed -e 's/^id\b/gen_random_uuid()/' -e 's/\bcomplaint_id\b/c.id/')
  {
    [ "$2" = counter ] && printf '%s' "WITH n AS (UPDATE tracking_counters SET last_value = last_value + 1 WHERE (prefix, year) = (SELECT prefix, year FROM tracking_counters ORDER BY year DESC LIMIT 1) RETURNING last_value), " || printf 'WITH '
    echo "c AS (INSERT INTO complaints ($ccols) SELECT $csel FROM complaints$from WHERE tracking_number = '$first' RETURNING id, subject, body, received_at), s AS (INSERT INTO complaint_search (complaint_id, doc, v) SELECT c.id, aduan_search_doc(c.subject, c.body, '', c.received_at), 2 FROM c) INSERT INTO complaint_events ($ecols) SELECT $esel FROM complaint_events, c WHERE complaint_events.id = '$ev';"
  } > "$WORK/$1.sql"
  $AS_PG "$PGBIN/pgbench" -n -M prepared -h 127.0.0.1 -p "$PGPORT" -U postgres -c $CONNS -j 2 -T "$(secs)" -f "$WORK/$1.sql" intake 2>/dev/null |
    awk '/^tps/ {print int($3)}'
}
chmod a+r "$WORK"/*.sql 2>/dev/null || true
shape_free=$(shape shape-free free)
shape_counted=$(shape shape-counted counter)

read -r pg_rps pg_p50 pg_p99 pg_err < "$WORK/postgres.wrk"
read -r sl_rps sl_p50 sl_p99 sl_err < "$WORK/sqlite.wrk"
echo
echo "| measured | per second | p50 | p99 | non-2xx | ratio |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| pgbench INSERT, 32 clients | $pgb | | | | 1 |"
echo "| POST /api/v1/complaints on PostgreSQL, 32 connections | $pg_rps | $pg_p50 | $pg_p99 | $pg_err | $(awk -v a="$pg_rps" -v b="$pgb" 'BEGIN {printf "%.2f", a/b}') |"
echo "| pgbench, a registration's shape (complaint + event), random number | $shape_free | | | | $(awk -v a="$pg_rps" -v b="$shape_free" 'BEGIN {printf "intake %.2f of it", a/b}') |"
echo "| pgbench, a registration's shape, numbered from the gapless counter | $shape_counted | | | | $(awk -v a="$pg_rps" -v b="$shape_counted" 'BEGIN {printf "intake %.1f×", a/b}') |"
echo "| POST /api/v1/complaints on SQLite, 32 connections | $sl_rps | $sl_p50 | $sl_p99 | $sl_err | |"

# 3. the LAPOR! backlog
import() { # name url → "imported seconds" in $WORK/import-$name
  local name=$1 url=$2 simport port key t0 t1 n
  simport=$(free_port)
  LAPOR_SIM_TOKEN=bench-token "$SIM" --listen "127.0.0.1:$simport" --seed 5 --reports "$REPORTS" --page-size 100 > "$WORK/sim-$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$simport/sim/reports" -o /dev/null 2>&1 && break; sleep 0.1; done
  key=$(DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/lapor-$name "$BIN" apikey create --name bench --role liaison 2>/dev/null | tail -n 1)
  port=$(free_port)
  DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/lapor-$name ADUAN_LISTEN=127.0.0.1:$port ADUAN_LOG=warn \
    ADUAN_DB_MAX_CONNECTIONS=10 ADUAN_LAPOR_URL="http://127.0.0.1:$simport" ADUAN_LAPOR_TOKEN=bench-token \
    ADUAN_LAPOR_POLL_SECONDS=86400 "$BIN" serve > "$WORK/lapor-$name.log" 2>&1 &
  PIDS+=($!)
  wait_ready "$port"
  t0=$(date +%s.%N)
  n=0
  while [ "$n" -lt "$REPORTS" ]; do
    curl -fs -X POST -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/integrations/lapor/poll" -o /dev/null || true
    n=$(curl -fs -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/integrations/lapor" | sed 's/.*"imported_total":\([0-9]*\).*/\1/')
  done
  t1=$(date +%s.%N)
  echo "$n $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b-a}')" > "$WORK/import-$name"
  kill "${PIDS[-1]}" "${PIDS[-2]}"; wait "${PIDS[-1]}" "${PIDS[-2]}" 2>/dev/null || true
}
PGDB=postgres psql_pg -c "CREATE DATABASE lapor"
import postgres "postgres://postgres@127.0.0.1:$PGPORT/lapor"
import sqlite "sqlite://$WORK/lapor-sqlite/aduan.db"
read -r pg_n pg_s < "$WORK/import-postgres"
read -r sl_n sl_s < "$WORK/import-sqlite"
echo "| LAPOR! import on PostgreSQL ($pg_n reports, $pg_s s) | $(awk -v n="$pg_n" -v s="$pg_s" 'BEGIN {printf "%d", n/s}') | | | | |"
echo "| LAPOR! import on SQLite ($sl_n reports, $sl_s s) | $(awk -v n="$sl_n" -v s="$sl_s" 'BEGIN {printf "%d", n/s}') | | | | |"
