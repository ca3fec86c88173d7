#!/usr/bin/env bash
# Reminder-sweep cost with one million open complaints on PostgreSQL: most
# deadlines are weeks away; K of them fall in the reminder window. Times one
# sweep (queues the reminders) and a second one (everything already queued)
# for several K, to show the cost follows the complaints due, not the open.
#   bench/sweep.sh [open complaints, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
cargo build --release --locked -q
. bench/lib.sh
start_pg
PORT=$PGPORT
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres" ADUAN_DATA_DIR=$WORK/data
export ADUAN_LIAISON_EMAIL=penghubung@example.go.id ADUAN_HEAD_EMAIL=kadis@example.go.id
target/release/aduan migrate >/dev/null
PSQL=(psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
# the sweep runs as if on Wednesday 2027-03-03, 09:00 WITA (a working day)
AT="2027-03-03T09:00:00+08:00"
echo "loading $N open complaints, deadlines from 2027-04-01 on…"
"${PSQL[@]}" <<SQL
INSERT INTO complaints (id, tracking_number, kind, channel, status, received_at, registered_at,
  updated_at, subject, subject_lower, body, anonymous, confidential, version, access_digest,
  due_at, sla_working_days)
SELECT gen_random_uuid(), 'ADU-2027-' || lpad(g::text, 7, '0'), 'complaint', 'letter', 'registered',
  timestamptz '2027-03-01', timestamptz '2027-03-01', timestamptz '2027-03-01',
  'Pengaduan ' || g, 'pengaduan ' || g, 'isi', false, false, 1, 'x',
  timestamptz '2027-04-01 15:59:59+00' + (g * interval '30 seconds'), 7
FROM generate_series(1, $N) g;
ANALYZE complaints;
SQL
echo
echo "| complaints due in the window (K) | first sweep (queues 2·K reminders) | second sweep (nothing new) |"
echo "|---:|---:|---:|"
prev=0
for K in 0 10 100 1000; do
  # move K more deadlines into the window: due Thursday 2027-03-04 (1 working day left)
  if [ "$K" -gt "$prev" ]; then
    "${PSQL[@]}" -c "UPDATE complaints SET due_at = timestamptz '2027-03-04 15:59:59+00' WHERE tracking_number IN (SELECT 'ADU-2027-' || lpad(g::text, 7, '0') FROM generate_series($prev + 1, $K) g)"
  fi
  prev=$K
  first=$(target/release/aduan run-job reminder-sweep --at "$AT" | tail -n 1 | awk '{print $2}')
  second=$(target/release/aduan run-job reminder-sweep --at "$AT" | tail -n 1 | awk '{print $2}')
  echo "| $K | $first ms | $second ms |"
done
echo
echo "queued reminders: $("${PSQL[@]}" -At -c "SELECT count(*) FROM outbox")"
