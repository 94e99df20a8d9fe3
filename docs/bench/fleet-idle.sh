#!/usr/bin/env bash
# Idle cost of a fleet on one core: starts `./omniglass core serve` on a fresh data dir (embedded
# Postgres and nats-server), provisions tenants through POST /api/v1/tenants up to each step, lets
# the core go quiet, then reports JVM threads, Postgres client backends and walsenders, and the
# core's CPU over a quiet minute. Usage: docs/bench/fleet-idle.sh [STEPS...] (default 0 25 50);
# QUIET_S and CPU_S change the waits, SHOW_THREADS=1 adds the commonest thread names per step.
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=("$@")
[ $# -eq 0 ] && steps=(0 25 50)
quiet_s=${QUIET_S:-45}
cpu_s=${CPU_S:-60}
data=$(mktemp -d /tmp/og-fleet-idle-XXXXXX)
port=$((20000 + RANDOM % 20000))
export OMNIGLASS_DATA_DIR=$data OMNIGLASS_HTTP_PORT=$port
./omniglass core serve > "$data/core.log" 2>&1 &
launcher=$!
trap 'kill $launcher 2>/dev/null; wait $launcher 2>/dev/null; sleep 3; rm -rf "$data"' EXIT
for _ in $(seq 1 180); do
  curl -fs "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
  sleep 1
done
pid=$launcher # the launcher execs the JVM
token=$(cat "$data/admin.token")
pg=$(jq -r .pg "$data/endpoints.json")
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
made=0
printf '%8s %8s %9s %11s %12s\n' tenants threads backends walsenders "cpu_%_core"
for n in "${steps[@]}"; do
  while [ $made -lt "$n" ]; do
    curl -fs -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d "{\"slug\": \"idle_$made\", \"name\": \"idle $made\"}" "http://127.0.0.1:$port/api/v1/tenants" > /dev/null
    made=$((made + 1))
  done
  sleep "$quiet_s"
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
  backends=$(psql -Atq "${pg}postgres" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
  walsenders=$(psql -Atq "${pg}postgres" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'")
  t0=$(ticks "$pid"); sleep "$cpu_s"; t1=$(ticks "$pid")
  cpu=$(awk -v a="$t0" -v b="$t1" -v s="$cpu_s" 'BEGIN {printf "%.2f", (b - a) / s}')
  printf '%8d %8d %9d %11d %12s\n' "$n" "$threads" "$backends" "$walsenders" "$cpu"
  if [ -n "${SHOW_THREADS:-}" ]; then # the most common thread names, numbers and slugs folded
    for t in /proc/"$pid"/task/*; do cat "$t/comm"; done | sed -E 's/idle_[0-9]+/<t>/; s/[0-9]+/N/g' \
      | sort | uniq -c | sort -rn | head -12 | sed 's/^/    /'
  fi
done
