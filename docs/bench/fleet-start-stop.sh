#!/usr/bin/env bash
# A fleet's idle cost, start and stop on one core: `./omniglass core serve` on a fresh data dir
# (embedded Postgres and nats-server), N tenants through POST /api/v1/tenants (4 at a time, as
# FleetStartStopTest does), then once quiet: JVM threads, Postgres client backends (by database)
# and walsenders; then a SIGTERM (seconds to exit), a new start (seconds to the first HTTP answer
# and to /healthz 200 with every tenant up) and a second SIGTERM.
# Usage: docs/bench/fleet-start-stop.sh [N] (default 200); QUIET_S changes the wait (default 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200}
quiet_s=${QUIET_S:-60}
data=$(mktemp -d /tmp/og-fleet-ss-XXXXXX)
port=$((20000 + RANDOM % 20000))
export OMNIGLASS_DATA_DIR=$data OMNIGLASS_HTTP_PORT=$port
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
start_core() {
  ./omniglass core serve >> "$data/core.log" 2>&1 &
  core=$!
}
stop_core() { # SIGTERM, seconds until the process is gone
  local t0; t0=$(now)
  kill -TERM "$core"
  while kill -0 "$core" 2>/dev/null; do sleep 0.1; done
  since "$t0"
}
# (each step may fail under set -e, e.g. the core already gone: the data dir is removed anyway)
trap 'kill -9 $core 2>/dev/null || true; sleep 3; cp "$data/core.log" "/tmp/$(basename "$data").core.log" 2>/dev/null || true; rm -rf "$data"' EXIT
start_core
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break; sleep 1; done
token=$(cat "$data/admin.token")
pg=$(jq -r .pg "$data/endpoints.json")
PGPASSWORD=$(cat "$data/postgres.password")
export PGPASSWORD
t0=$(now)
seq 0 $((n - 1)) | xargs -P 4 -I{} curl -fs -o /dev/null -X POST -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"slug": "fleet_{}"}' "http://127.0.0.1:$port/api/v1/tenants"
prov=$(since "$t0")
echo "provisioned $n tenants, 4 at a time: $prov s ($(awk -v s="$prov" -v n="$n" 'BEGIN {printf "%.2f", s / n}') s a tenant of wall time)"
sed -nE 's/.*database copied from the template in ([0-9]+) ms, migrations ([0-9]+) ms, boot phase ([0-9]+) ms, streams ([0-9]+) ms.*/\1 \2 \3 \4/p' "$data/core.log" \
  | awk '{d += $1; m += $2; b += $3; s += $4; c++} END {if (c) printf "  per tenant (mean of %d copied): database %.0f ms, migrations %.0f ms, boot phase %.0f ms, streams %.0f ms\n", c, d / c, m / c, b / c, s / c}'
sed -nE 's/.*boot phase done for tenant fleet_[0-9]+: partitions ([0-9]+) ms, publication ([0-9]+) ms, slot ([0-9]+) ms, reference ([0-9]+) ms.*/\1 \2 \3 \4/p' "$data/core.log" \
  | awk '{p += $1; u += $2; l += $3; r += $4; c++} END {if (c) printf "  boot phase (mean of %d): partitions %.0f ms, publication %.0f ms, slot %.0f ms, reference rows %.0f ms\n", c, p / c, u / c, l / c, r / c}'
sleep "$quiet_s"
threads=$(awk '/^Threads:/ {print $2}' "/proc/$core/status")
echo "idle $n tenants after ${quiet_s}s: $threads JVM threads; load $(cut -d' ' -f1-3 /proc/loadavg)"
psql -Atq "${pg}postgres" -c "SELECT backend_type, CASE WHEN datname LIKE 'og\_t\_%' THEN 'tenant databases' ELSE coalesce(datname, '-') END,
  application_name, count(*) FROM pg_stat_activity WHERE backend_type IN ('client backend', 'walsender') AND pid <> pg_backend_pid()
  GROUP BY 1, 2, 3 ORDER BY 4 DESC" | sed 's/^/  /' || true
psql -Atq "${pg}postgres" -c "SELECT 'client backends ' || count(*) FILTER (WHERE backend_type = 'client backend') || ', walsenders '
  || count(*) FILTER (WHERE backend_type = 'walsender') FROM pg_stat_activity WHERE pid <> pg_backend_pid()" || true
echo "SIGTERM with $n tenants: exited in $(stop_core) s"
t0=$(now)
start_core
first=""
for _ in $(seq 1 3000); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
  if [ -z "$first" ] && [ "$code" != "000" ]; then first=$(since "$t0"); fi
  [ "$code" = "200" ] && break
  sleep 0.1
done
echo "start with $n tenants: first HTTP answer $first s, /healthz 200 (every tenant up) $(since "$t0") s; load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep 5
echo "SIGTERM again: exited in $(stop_core) s"
