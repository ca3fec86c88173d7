# Shared by the bench/ scripts: a work dir, free ports, a throwaway
# PostgreSQL cluster (default durability: fsync and synchronous_commit on),
# wrk output in one line. Source it after `cd` to the repository.
WORK=$(mktemp -d /tmp/aduan-bench.XXXXXX)
PIDS=()
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
AS_PG=""
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${PGBIN:-}" ] && [ -d "$WORK/pg" ] && $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

need_wrk() {
  command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
}

free_port() {
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

# starts the cluster; sets PGPORT and PGURL
start_pg() {
  if [ "$(id -u)" = 0 ]; then mkdir -p "$WORK/pg"; chown postgres: "$WORK" "$WORK/pg"; AS_PG="runuser -u postgres --"; fi
  PGPORT=$(free_port)
  $AS_PG "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  $AS_PG "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories=$WORK -c max_connections=200" start >/dev/null
  PGURL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
}

psql_pg() { psql -X -q -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d "${PGDB:-postgres}" -v ON_ERROR_STOP=1 "$@"; }

# wrk output → "req/s p50 p99 non-2xx"
summarise() {
  awk '
    /^Requests\/sec:/ {rps=$2}
    /^ +50%/ {p50=$2}
    /^ +99%/ {p99=$2}
    /Non-2xx or 3xx responses:/ {err=$5}
    END {printf "%s %s %s %s\n", rps, p50, p99, (err==""?0:err)}'
}

# waits for /readyz on the port
wait_ready() {
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "service on :$1 not ready" >&2; return 1
}
