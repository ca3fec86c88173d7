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
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ -z "${AFTER:-}" ]; then
  cargo build --release --locked -q --bin aduan
  AFTER=$PWD/target/release/aduan
fi
WORK=$(mktemp -d /tmp/aduan-keys.XXXXXX)
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
summarise() {
  awk '/^Requests\/sec:/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
       /Non-2xx or 3xx responses:/ {err=$5}
       END {printf "%s | %s | %s | %s", rps, p50, p99, (err==""?0:err)}'
}
measure() {
  local label=$1 bin=$2 url=$3 port
  port=$(free_port)
  export DATABASE_URL=$url ADUAN_DATA_DIR=$WORK/data ADUAN_LISTEN=127.0.0.1:$port ADUAN_DB_MAX_CONNECTIONS=10 ADUAN_LOG=warn
  "$bin" migrate >/dev/null
  local key
  key=$("$bin" apikey create --name bench --role reception | tail -n 1)
  "$bin" serve > "$WORK/$label.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  local id
  id=$(curl -fs -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d '{"channel":"api","subject":"Bench","body":"x"}' "http://127.0.0.1:$port/api/v1/complaints" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  ADUAN_KEY=$key wrk -t2 -c64 -d3s -s bench/get.lua "http://127.0.0.1:$port/api/v1/complaints/$id" >/dev/null
  printf '| %s | %s |\n' "$label" "$(ADUAN_KEY=$key wrk -t2 -c64 -d"$DURATION" --latency -s bench/get.lua "http://127.0.0.1:$port/api/v1/complaints/$id" | summarise)"
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
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "$PGBIN" ]; then
  AS_PG=""
  if [ "$(id -u)" = 0 ]; then mkdir -p "$WORK/pg"; chown postgres: "$WORK" "$WORK/pg"; AS_PG="runuser -u postgres --"; fi
  PGPORT=$(free_port)
  $AS_PG "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories=$WORK -c max_connections=200" start >/dev/null
  for b in ${BEFORE:+before} after; do
    bin=$AFTER; [ "$b" = before ] && bin=$BEFORE
    $AS_PG "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "k_$b"
    measure "$b, PostgreSQL" "$bin" "postgres://postgres@127.0.0.1:$PGPORT/k_$b"
  done
fi
