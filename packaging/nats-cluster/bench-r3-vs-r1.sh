#!/usr/bin/env bash
# The sink's and the CDC publisher's rates on a 3-node JetStream cluster with R3 streams against the
# embedded one-node nats-server (R1), in one run on this machine (docs/cluster.md, "Sink and CDC on
# R3 against R1"):
#
#   packaging/nats-cluster/bench-r3-vs-r1.sh [OUT.json]     default docs/bench/r3-vs-r1.json
#
# BENCH_SINK_ARGS and BENCH_CDC_ARGS override the size of each run (defaults below: a few minutes).
# All three nodes and both runs share this machine's disk and cores: the ratios are what it shows,
# and the load average is recorded before each run (other work on the machine moves the figures).
# A run that fails is tried once more and the failure is kept in the JSON (attempts, error).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$ROOT/docs/bench/r3-vs-r1.json}"
SINK_ARGS=(${BENCH_SINK_ARGS:---datapoints 400000 --single-insert-datapoints 20000})
CDC_ARGS=(${BENCH_CDC_ARGS:---changes 50000 --warmup 10000 --rate 1000 --latency-seconds 20})
WORK="$(mktemp -d -t og-bench-r3-XXXXXX)"
trap '"$HERE/local-cluster.sh" stop "$WORK/cluster" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }

# run NAME COMMAND...: the bench's JSON in $WORK/NAME.json, its load and attempts in $WORK/NAME.meta
run() {
  local name="$1"; shift
  local attempt error=""
  for attempt in 1 2; do
    local before; before="$(load)"
    echo "== $name (attempt $attempt, load $before)" >&2
    if "$@" --json "$WORK/$name.json" 2> >(tee "$WORK/$name.err" >&2); then
      jq -n --arg load "$before" --arg after "$(load)" --argjson attempts "$attempt" --arg error "$error" \
        '{load_avg_before: $load, load_avg_after: $after, attempts: $attempts} + (if $error == "" then {} else {first_error: $error} end)' \
        > "$WORK/$name.meta"
      return 0
    fi
    error="$(grep -m1 -E 'Exception|failed|error' "$WORK/$name.err" || tail -n1 "$WORK/$name.err")"
    echo "== $name failed: $error" >&2
  done
  echo "== $name failed twice; no figures" >&2
  return 1
}

# the three nodes have elected a JetStream meta leader (a fixed sleep is too short on a loaded machine)
await_meta_leader() {
  local deadline=$((SECONDS + 120))
  until grep -qs "new metadata leader" "$WORK"/cluster/og-nats-*/nats-server.log; do
    if [ "$SECONDS" -ge "$deadline" ]; then echo "the cluster elected no meta leader in 120 s" >&2; return 1; fi
    sleep 1
  done
}

cd "$ROOT"
./mvnw -B -q -DskipTests package >&2 # once, before the clock matters: the launcher then builds nothing

run sink-r1 ./omniglass bench sink "${SINK_ARGS[@]}"
run cdc-r1 ./omniglass bench cdc "${CDC_ARGS[@]}"

eval "$("$HERE/local-cluster.sh" start "$WORK/cluster")"
await_meta_leader
run sink-r3 ./omniglass bench sink "${SINK_ARGS[@]}" --nats-url "$OMNIGLASS_NATS_URL" --nats-replicas 3
run cdc-r3 ./omniglass bench cdc "${CDC_ARGS[@]}" --nats-url "$OMNIGLASS_NATS_URL" --nats-replicas 3

mkdir -p "$(dirname "$OUT")"
jq -n \
  --arg command "packaging/nats-cluster/bench-r3-vs-r1.sh" \
  --arg sink_args "${SINK_ARGS[*]}" --arg cdc_args "${CDC_ARGS[*]}" \
  --arg measured_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg load_avg_end "$(load)" \
  --arg cpus "$(nproc)" \
  --slurpfile s1 "$WORK/sink-r1.json" --slurpfile s3 "$WORK/sink-r3.json" \
  --slurpfile c1 "$WORK/cdc-r1.json" --slurpfile c3 "$WORK/cdc-r3.json" \
  --slurpfile ms1 "$WORK/sink-r1.meta" --slurpfile ms3 "$WORK/sink-r3.meta" \
  --slurpfile mc1 "$WORK/cdc-r1.meta" --slurpfile mc3 "$WORK/cdc-r3.meta" \
  '{command: $command, sink_args: $sink_args, cdc_args: $cdc_args, measured_at: $measured_at, cpus: $cpus,
    load_avg_end: $load_avg_end,
    ratios_r3_over_r1: {
      sink_rows_per_s: (($s3[0].sink_rows_per_s / $s1[0].sink_rows_per_s * 100 | round) / 100),
      cdc_changes_per_s: (($c3[0].changes_per_s / $c1[0].changes_per_s * 100 | round) / 100),
      cdc_p99_ms: (($c3[0].p99_ms / $c1[0].p99_ms * 100 | round) / 100)},
    sink_r1: ($ms1[0] + $s1[0]), sink_r3: ($ms3[0] + $s3[0]),
    cdc_r1: ($mc1[0] + $c1[0]), cdc_r3: ($mc3[0] + $c3[0])}' > "$OUT"
echo "written to $OUT" >&2
jq '{ratios_r3_over_r1, sink: [.sink_r1.sink_rows_per_s, .sink_r3.sink_rows_per_s], cdc: [.cdc_r1.changes_per_s, .cdc_r3.changes_per_s], load: [.sink_r1.load_avg_before, .cdc_r1.load_avg_before, .sink_r3.load_avg_before, .cdc_r3.load_avg_before]}' "$OUT" >&2
