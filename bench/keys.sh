#!/usr/bin/env bash
# The cost of authenticating a request: GET /api/v1/complaints/{id} with an
# API key, wrk -t2 -c64, on SQLite and on a throwaway PostgreSQL (fsync on).
# With BEFORE=<path to another aduan binary> both binaries are measured in the
# same run, side by side, on the same databases (e.g. before and after the
# key cache of ADR 0026); AFTER=<binary> skips the build.
#
#   bench/keys.sh [duration, default 15s]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15s}
. bench/lib.sh
need_wrk
if [ -z "${AFTER:-}" ]; then
  cargo build --release --locked -q --bin aduan
  AFTER=$PWD/target/release/aduan
fi
row() { read -r rps p50 p99 err; printf '%s | %s | %s | %s' "$rps" "$p50" "$p99" "$err"; }
measure() {
  local label=$1 bin=$2 url=$3 port
  port=$(free_port)
  export DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/data ADUAN_LISTEN=127.0.0.1:$port ADUAN_DB_MAX_CONNECTIONS=10 ADUAN_LOG=warn
  "$bin" migrate >/dev/null
  local key
  key=$("$bin" apikey create --name bench --role reception | tail -n 1)
  "$bin" serve > "$WORK/$label.log" 2>&1 &
  PIDS+=($!)
  wait_ready "$port"
  local id
  id=$(curl -fs -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d '{"channel":"api","subject":"Bench","body":"x"}' "http://127.0.0.1:$port/api/v1/complaints" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  ADUAN_KEY=$key wrk -t2 -c64 -d3s -s bench/get.lua "http://127.0.0.1:$port/api/v1/complaints/$id" >/dev/null
  printf '| %s | %s |\n' "$label" "$(ADUAN_KEY=$key wrk -t2 -c64 -d"$DURATION" --latency -s bench/get.lua "http://127.0.0.1:$port/api/v1/complaints/$id" | summarise | row)"
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
}
echo "GET /api/v1/complaints/{id}, wrk -t2 -c64 -d$DURATION — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
echo
echo "| binary, backend | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
mkdir -p "$WORK/data"
for b in ${BEFORE:+before} after; do
  bin=$AFTER; [ "$b" = before ] && bin=$BEFORE
  measure "$b, SQLite" "$bin" "sqlite://$WORK/data/aduan-$b.db?mode=rwc"
done
if [ -n "$PGBIN" ]; then
  start_pg
  for b in ${BEFORE:+before} after; do
    bin=$AFTER; [ "$b" = before ] && bin=$BEFORE
    $AS_PG "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "k_$b"
    measure "$b, PostgreSQL" "$bin" "postgres://postgres@127.0.0.1:$PGPORT/k_$b"
  done
fi
