#!/usr/bin/env bash
# Peak memory of a replica under a burst of concurrent sign-ins (issue 31's
# high finding: 100 at once took a replica to 1,889 MB).
#
#   bench/signins.sh [concurrent=100] [rounds=3]
#
# Starts the release binary on SQLite, creates one account, then fires
# `concurrent` POST /api/v1/auth/login at once (half the right password,
# half unknown names, each from its own X-Forwarded-For address so no
# throttle answers early: every request costs one argon2id hash), `rounds`
# times, and prints the process's RSS before, its peak (VmHWM) and after,
# and the answers by status.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-100}
ROUNDS=${2:-3}
cargo build --release --locked -q
BIN=target/release/aduan
PORT=$(free_port)
export ADUAN_DATA_DIR="$WORK/data" ADUAN_LISTEN="127.0.0.1:$PORT" ADUAN_TRUSTED_PROXIES=127.0.0.1 \
  ADUAN_LOG=warn ADUAN_REQUIRE_2FA=none
mkdir -p "$ADUAN_DATA_DIR"
printf '%s\n' 'kuda laut di teluk kupang' |
  "$BIN" user create --login bench@dinsos.example.go.id --role reception --password-stdin >/dev/null
"$BIN" serve >"$WORK/serve.log" 2>&1 &
PID=$!
PIDS+=("$PID")
wait_ready "$PORT"
rss() { awk -v k="$1:" '$1 == k {print int($2 / 1024)}' "/proc/$PID/status"; }
echo "cores: $(nproc); RSS after start: $(rss VmRSS) MB"
for r in $(seq 1 "$ROUNDS"); do
  python3 - "$PORT" "$N" "$r" <<'PY'
import collections, json, sys, threading, time, urllib.request, urllib.error
port, n, r = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
gate = threading.Barrier(n)
out = collections.Counter()
lock = threading.Lock()
def one(i):
    right = i % 2 == 0
    body = json.dumps({"login": "bench@dinsos.example.go.id" if right else f"nobody{r}-{i}@x.go.id",
                       "password": "kuda laut di teluk kupang" if right else "salah sekali"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/login", data=body,
        headers={"content-type": "application/json", "x-forwarded-for": f"10.{r}.{i // 250}.{i % 250 + 1}"})
    gate.wait()
    try:
        status = urllib.request.urlopen(req, timeout=60).status
    except urllib.error.HTTPError as e:
        status = e.code
    except Exception as e:
        status = type(e).__name__
    with lock:
        out[status] += 1
t0 = time.time()
ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
[t.start() for t in ts]
[t.join() for t in ts]
print(f"round {r}: {n} sign-ins in {time.time() - t0:.2f} s, answers {dict(out)}")
PY
  echo "  RSS now $(rss VmRSS) MB, peak so far (VmHWM) $(rss VmHWM) MB"
done
sleep 1
echo "RESULT concurrent=$N rounds=$ROUNDS peak_rss_mb=$(rss VmHWM) rss_after_mb=$(rss VmRSS)"
