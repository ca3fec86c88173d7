#!/usr/bin/env bash
# Measures complaint intake (POST) and read (GET by id) on SQLite and on
# PostgreSQL with wrk: throughput and p50/p99 latency at 64 connections.
#
#   bench/intake.sh [duration, default 20s] [connections, default 64]
#
# Needs the release binary (built here with --locked) and wrk (installed from
# the Debian packages if missing and we are root). PostgreSQL runs as a
# throwaway cluster on loopback with default durability (fsync on).
# Client and server share the machine: the figures are for the whole box.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20s}
CONNS=${2:-64}

. bench/lib.sh
need_wrk
cargo build --release --locked -q
BIN=$PWD/target/release/aduan

run_backend() {
  local name=$1 url=$2 port
  port=$(free_port)
  export DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/data-$name ADUAN_LISTEN=127.0.0.1:$port ADUAN_DB_MAX_CONNECTIONS=${DB_CONNS:-10}
  export ADUAN_KEY
  ADUAN_KEY=$("$BIN" apikey create --name bench --role reception | tail -n 1)
  local admin
  admin=$("$BIN" apikey create --name bench-admin --role admin | tail -n 1)
  "$BIN" serve > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  wait_ready "$port"
  # post.lua's category, from the office's list (ADR 0030)
  curl -fs -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"name":"Bantuan Sosial"}' "http://127.0.0.1:$port/api/v1/categories" -o /dev/null
  # warm up, then measure
  wrk -t2 -c"$CONNS" -d3s -s bench/post.lua "http://127.0.0.1:$port/api/v1/complaints" >/dev/null
  local post get id
  post=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s bench/post.lua "http://127.0.0.1:$port/api/v1/complaints" | summarise)
  id=$(curl -fs -X POST -H "Authorization: Bearer $ADUAN_KEY" -H 'Content-Type: application/json' \
        -d '{"channel":"api","subject":"Bench","body":"x"}' "http://127.0.0.1:$port/api/v1/complaints" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  get=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s bench/get.lua "http://127.0.0.1:$port/api/v1/complaints/$id" | summarise)
  local total
  total=$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^aduan_complaints\{status="registered"\}/ {print $2}')
  printf '| %-10s | POST /api/v1/complaints    | %s | %s | %s | %s |\n' "$name" $post
  printf '| %-10s | GET /api/v1/complaints/{id} | %s | %s | %s | %s |\n' "$name" $get
  echo "  ($name: $total complaints stored at the end)" >&2
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
}

echo "aduan intake benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "wrk -t2 -c$CONNS -d$DURATION; server log level info"
echo
echo "| backend    | request                     | req/s | p50 | p99 | non-2xx |"
echo "|------------|-----------------------------|-------|-----|-----|---------|"

run_backend sqlite "sqlite://$WORK/data-sqlite/aduan.db"

if [ -n "$PGBIN" ]; then
  start_pg
  run_backend postgres "postgres://postgres@127.0.0.1:$PGPORT/postgres"
else
  echo "no PostgreSQL server binaries: PostgreSQL leg skipped" >&2
fi
