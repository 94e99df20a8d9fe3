#!/bin/bash
# Postgres alone on a kept `bench fleet --keep` data dir (200 tenant databases), no core, no client:
# its idle CPU with the given settings, over SECONDS (pgprof.py, which counts the autovacuum workers
# that live for less than a second through the postmaster's reaped children).
#   pg-idle-fleet.sh DATA_DIR SECONDS OUT.json [-c name=value ...]
set -euo pipefail
D=$1; SECS=$2; OUT=$3; shift 3
BIN=${PG_BIN:-$(dirname "$(ls /tmp/embedded-pg/PG-*/bin/postgres | head -1)")}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# the postgres binary directly, as `nobody` when run by root (Postgres refuses root; chown the
# kept dir's postgres/ to nobody first)
AS=(); [ "$(id -u)" = 0 ] && AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
"${AS[@]}" "$BIN/postgres" -D "$D/postgres/data" -p $PORT -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories=$D/postgres/data -c wal_level=logical -c max_replication_slots=220 -c max_wal_senders=220 \
  -c max_connections=400 -c shared_buffers=256MB -c max_wal_size=4GB -c checkpoint_timeout=5min "$@" >> "$D/pg-idle-fleet.log" 2>&1 &
PGPID=$!
until [ -f "$D/postgres/data/postmaster.pid" ] && [ "$(sed -n 8p "$D/postgres/data/postmaster.pid" | tr -d ' ')" = ready ]; do
  sleep 1; kill -0 $PGPID
done
sleep 20  # the launcher's first pass over the databases is spread over one naptime; skip the start itself
PM=$(head -1 "$D/postgres/data/postmaster.pid")
# every process the postmaster forks in the window (an autovacuum worker in an idle database lives a few ms)
perf record -q -e sched:sched_process_fork -a -o "$OUT.forks" -- sleep "$SECS" >/dev/null 2>&1 &
PERF=$!
python3 "$(dirname "$0")/pgprof.py" "$SECS" "$D" "$OUT" >/dev/null
wait $PERF
FORKS=$(perf script -i "$OUT.forks" 2>/dev/null | grep -c "comm=postgres pid=$PM " || true)
rm -f "$OUT.forks"
python3 - "$OUT" "$FORKS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r['postmaster_forks'] = int(sys.argv[2]); json.dump(r, open(sys.argv[1], 'w'), indent=1)
PY
kill -INT $PGPID; while kill -0 $PGPID 2>/dev/null; do sleep 1; done
python3 - "$OUT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(r['postgres_cpu_percent_of_one_core'], '% of a core;', r['postmaster_forks'], 'forks;', r['load_average'],
      {k: v['percent_of_one_core'] for k, v in r['by_kind'].items()})
PY
