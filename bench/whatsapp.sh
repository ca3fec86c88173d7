#!/usr/bin/env bash
# WhatsApp webhook → acknowledgement queued, at a steady rate (issue 32:
# ≤ 50 ms p99 at 100 messages/s; Meta peaks at 80 messages/s per number).
#
#   bench/whatsapp.sh [rate=100] [seconds=30] [backends="sqlite postgres"]
#
# Starts the release binaries: wa-sim (the Cloud API) and aduan with the
# WhatsApp channel on, on SQLite and on a throwaway PostgreSQL (default
# durability). Then posts signed webhook deliveries open-loop at `rate` per
# second for `seconds`: two thirds first messages from new numbers (each a
# registration with its acknowledgement in the outbox, written before the
# 200), one third follow-ups of earlier senders (joined to their complaint).
# Latency is measured from each delivery's scheduled time to its 200, so a
# backlog counts. Prints p50 / p99 / max, non-200s, and how many
# acknowledgements wa-sim received.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RATE=${1:-100}
SECS=${2:-30}
BACKENDS=${3:-"sqlite postgres"}
cargo build --release --locked -q --bin aduan --bin wa-sim
SECRET=bench-app-secret
for backend in $BACKENDS; do
  SIM_PORT=$(free_port)
  target/release/wa-sim --listen 127.0.0.1:$SIM_PORT --token bench-token --app-secret $SECRET \
    --no-auto-status >"$WORK/sim-$backend.log" 2>&1 &
  PIDS+=("$!")
  PORT=$(free_port)
  mkdir -p "$WORK/data-$backend"
  if [ "$backend" = postgres ]; then
    [ -n "${PGURL:-}" ] || start_pg
    DB="$PGURL"
  else
    DB="sqlite://$WORK/data-$backend/aduan.db"
  fi
  DATABASE_URL="$DB" ADUAN_DATA_DIR="$WORK/data-$backend" ADUAN_LISTEN="127.0.0.1:$PORT" ADUAN_LOG=warn \
    ADUAN_WHATSAPP_API_URL="http://127.0.0.1:$SIM_PORT/v21.0" ADUAN_WHATSAPP_PHONE_NUMBER_ID=106540352242922 \
    ADUAN_WHATSAPP_TOKEN=bench-token ADUAN_WHATSAPP_APP_SECRET=$SECRET ADUAN_WHATSAPP_VERIFY_TOKEN=bench \
    target/release/aduan serve >"$WORK/serve-$backend.log" 2>&1 &
  PIDS+=("$!")
  wait_ready "$PORT"
  curl -fs -X POST "http://127.0.0.1:$SIM_PORT/sim/webhook" -H 'content-type: application/json' \
    -d "{\"url\":\"http://127.0.0.1:$PORT/webhooks/whatsapp\"}"
  python3 - "$PORT" "$SIM_PORT" "$RATE" "$SECS" "$SECRET" "$backend" <<'PY'
import concurrent.futures, hashlib, hmac, json, sys, time, urllib.request, urllib.error
port, sim, rate, secs, secret, backend = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].encode(), sys.argv[6]
url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
def body(i):
    new = i % 3 != 2
    sender = 6281300000000 + (i if new else i - 2)
    text = ("Bantuan sosial untuk keluarga kami belum diterima sejak bulan lalu, mohon dicek nomor "
            f"{i}") if new else "Ini foto kartu dan buku tabungan kami"
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6285357559002", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": f"Warga {i}"}, "wa_id": str(sender)}],
        "messages": [{"from": str(sender), "id": f"wamid.BENCH{backend}{i}", "timestamp": str(int(time.time())),
                      "type": "text", "text": {"body": text}}]}}]}]}).encode()
def send(i, due):
    b = body(i)
    sig = "sha256=" + hmac.new(secret, b, hashlib.sha256).hexdigest()
    wait = due - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    req = urllib.request.Request(url, data=b, method="POST",
        headers={"content-type": "application/json", "x-hub-signature-256": sig})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            code = r.status
    except urllib.error.HTTPError as e:
        code = e.code
    except Exception:
        code = 0
    return (time.monotonic() - due) * 1000, code
n = rate * secs
start = time.monotonic() + 0.5
with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
    res = list(pool.map(lambda i: send(i, start + i / rate), range(n)))
lat = sorted(r[0] for r in res)
bad = sum(1 for r in res if r[1] != 200)
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
time.sleep(3)
sent = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sim}/sim/sent"))["messages"]
acks = sum(1 for m in sent if "Nomor pengaduan" in (m.get("text") or ""))
print(f"{backend:9s} {rate}/s for {secs} s: {n} deliveries, p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, "
      f"max {lat[-1]:.1f} ms, non-200 {bad}; acknowledgements sent {acks} of {n - n // 3}")
PY
done
