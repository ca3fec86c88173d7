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

command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q
BIN=$PWD/target/release/aduan
WORK=$(mktemp -d /tmp/aduan-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${PGBIN:-}" ] && ${AS_PG:-} "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

# wrk output → "req/s p50 p99 errors"
summarise() {
  awk '
    /^Requests\/sec:/ {rps=$2}
    /^ +50%/ {p50=$2}
    /^ +99%/ {p99=$2}
    /Non-2xx or 3xx responses:/ {err=$5}
    /Socket errors:/ {sock=$0}
    END {printf "%s %s %s %s\n", rps, p50, p99, (err==""?0:err)}'
}

run_backend() {
  local name=$1 url=$2 port
  port=$(free_port)
  export DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/data-$name ADUAN_LISTEN=127.0.0.1:$port ADUAN_DB_MAX_CONNECTIONS=${DB_CONNS:-10}
  export ADUAN_KEY
  ADUAN_KEY=$("$BIN" apikey create --name bench --role reception | tail -n 1)
  "$BIN" serve > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
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

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "$PGBIN" ]; then
  AS_PG=""
  if [ "$(id -u)" = 0 ]; then mkdir -p "$WORK/pg"; chown postgres: "$WORK" "$WORK/pg"; AS_PG="runuser -u postgres --"; fi
  PGPORT=$(free_port)
  $AS_PG "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories=$WORK -c max_connections=200" start >/dev/null
  run_backend postgres "postgres://postgres@127.0.0.1:$PGPORT/postgres"
else
  echo "no PostgreSQL server binaries: PostgreSQL leg skipped" >&2
fi
