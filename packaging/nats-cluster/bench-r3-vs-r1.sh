#!/usr/bin/env bash
# The sink's and the CDC publisher's rates on a 3-node JetStream cluster with R3 streams against the
# embedded one-node nats-server (R1), in one run on this machine (docs/cluster.md, "Figures"):
#
#   packaging/nats-cluster/bench-r3-vs-r1.sh [OUT.json]     default docs/bench/cluster-r3-vs-r1.json
#
# BENCH_SINK_ARGS and BENCH_CDC_ARGS override the size of each run (defaults below: a few minutes).
# All three nodes and both runs share this machine's disk and cores: the ratio is what it shows.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$ROOT/docs/bench/cluster-r3-vs-r1.json}"
SINK_ARGS=(${BENCH_SINK_ARGS:---datapoints 400000 --single-insert-datapoints 20000})
CDC_ARGS=(${BENCH_CDC_ARGS:---changes 50000 --warmup 10000 --latency-seconds 20})
WORK="$(mktemp -d -t og-bench-r3-XXXXXX)"
trap '"$HERE/local-cluster.sh" stop "$WORK/cluster" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

cd "$ROOT"
echo "== R1: embedded nats-server" >&2
./omniglass bench sink "${SINK_ARGS[@]}" --json "$WORK/sink-r1.json"
./omniglass bench cdc "${CDC_ARGS[@]}" --json "$WORK/cdc-r1.json"

echo "== R3: a 3-node cluster on this machine" >&2
eval "$("$HERE/local-cluster.sh" start "$WORK/cluster")"
sleep 3 # the three nodes elect a meta leader
./omniglass bench sink "${SINK_ARGS[@]}" --nats-url "$OMNIGLASS_NATS_URL" --nats-replicas 3 --json "$WORK/sink-r3.json"
./omniglass bench cdc "${CDC_ARGS[@]}" --nats-url "$OMNIGLASS_NATS_URL" --nats-replicas 3 --json "$WORK/cdc-r3.json"

mkdir -p "$(dirname "$OUT")"
{
  echo "{"
  echo "  \"command\": \"packaging/nats-cluster/bench-r3-vs-r1.sh\","
  echo "  \"sink_args\": \"${SINK_ARGS[*]}\", \"cdc_args\": \"${CDC_ARGS[*]}\","
  echo "  \"measured_at\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"load_avg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "  \"sink_r1\": $(cat "$WORK/sink-r1.json"),"
  echo "  \"sink_r3\": $(cat "$WORK/sink-r3.json"),"
  echo "  \"cdc_r1\": $(cat "$WORK/cdc-r1.json"),"
  echo "  \"cdc_r3\": $(cat "$WORK/cdc-r3.json")"
  echo "}"
} > "$OUT"
echo "written to $OUT" >&2
