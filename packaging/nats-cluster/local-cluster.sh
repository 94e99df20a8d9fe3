#!/usr/bin/env bash
# A 3-node JetStream cluster on this machine, for trying Omniglass on a cluster (not for production:
# all three nodes share one disk and one power supply; see packaging/core/nats-server.conf).
#
#   packaging/nats-cluster/local-cluster.sh start [DIR]   nodes on 127.0.0.1:4222,4223,4224 (routes 6222-6224)
#   packaging/nats-cluster/local-cluster.sh stop [DIR]    SIGTERM to the three nodes
#   packaging/nats-cluster/local-cluster.sh env [DIR]     the core's settings for this cluster
#
# Each node has its own store under DIR (default ./.nats-cluster), sync_interval: always, and the
# authorization the core expects (user og-core, a password generated once into DIR/core.password,
# mode 0600); routes authenticate with their own generated password. nats-server 2.10+ is taken
# from PATH or fetched by packaging/nats-server/fetch.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CMD="${1:-start}"
DIR="$(mkdir -p "${2:-.nats-cluster}" && cd "${2:-.nats-cluster}" && pwd)"
CLIENT_PORTS=(4222 4223 4224)
ROUTE_PORTS=(6222 6223 6224)

durable() {
  local v; v="$("$1" --version 2>/dev/null | sed -n 's/.*v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')"
  [ -n "$v" ] || return 1
  set -- $v
  [ "$1" -gt 2 ] || { [ "$1" -eq 2 ] && [ "$2" -ge 10 ]; }
}

secret() { # $1 file: a password generated once, kept 0600
  if [ ! -s "$1" ]; then (umask 077; head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 > "$1"); fi
  cat "$1"
}

env_lines() {
  local pw urls=()
  pw="$(cat "$DIR/core.password")"
  for p in "${CLIENT_PORTS[@]}"; do urls+=("nats://og-core:$pw@127.0.0.1:$p"); done
  echo "export OMNIGLASS_NATS_URL='$(IFS=,; echo "${urls[*]}")'"
  echo "export OMNIGLASS_NATS_REPLICAS=3"
}

case "$CMD" in
  start)
    BIN="$(command -v nats-server 2>/dev/null || true)"
    if [ -z "$BIN" ] || ! durable "$BIN"; then BIN="$("$HERE/../nats-server/fetch.sh")"; fi
    umask 077
    core_pw="$(secret "$DIR/core.password")"
    route_pw="$(secret "$DIR/route.password")"
    for i in 0 1 2; do
      name="og-nats-$((i + 1))"
      mkdir -p "$DIR/$name"
      routes=""
      for j in 0 1 2; do
        [ "$j" = "$i" ] || routes+="    nats-route://og-route:$route_pw@127.0.0.1:${ROUTE_PORTS[$j]}"$'\n'
      done
      cat > "$DIR/$name/nats-server.conf" <<EOF
server_name: $name
listen: 127.0.0.1:${CLIENT_PORTS[$i]}
max_payload: 8MB
jetstream {
  store_dir: "$DIR/$name/jetstream"
  # an acknowledged message is on disk (the CDC slot advances on PubAck)
  sync_interval: always
}
cluster {
  name: omniglass-local
  listen: 127.0.0.1:${ROUTE_PORTS[$i]}
  authorization { user: og-route, password: "$route_pw" }
  routes: [
$routes  ]
}
authorization {
  users: [ { user: "og-core", password: "$core_pw" } ]
}
EOF
      if [ -f "$DIR/$name/pid" ] && kill -0 "$(cat "$DIR/$name/pid")" 2>/dev/null; then
        echo "$name already runs (pid $(cat "$DIR/$name/pid"))" >&2
        continue
      fi
      nohup "$BIN" -c "$DIR/$name/nats-server.conf" -P "$DIR/$name/pid" >> "$DIR/$name/nats-server.log" 2>&1 &
      echo "$name: 127.0.0.1:${CLIENT_PORTS[$i]} (log $DIR/$name/nats-server.log)" >&2
    done
    echo "a core on this cluster (streams and KV buckets R3):" >&2
    env_lines ;;
  stop)
    for i in 0 1 2; do
      pidfile="$DIR/og-nats-$((i + 1))/pid"
      if [ -f "$pidfile" ]; then kill -TERM "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
    done ;;
  env)
    env_lines ;;
  *)
    sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
