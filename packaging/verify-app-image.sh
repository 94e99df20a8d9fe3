#!/usr/bin/env bash
# Smoke test of the packaged console: starts a real core (embedded Postgres + nats-server) on a
# scratch data dir with one tenant, then runs the jpackage app-image with --check (under Xvfb when
# there is no display). Exit 0 when the app-image started, connected and loaded the tenant's values.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMG="$ROOT/packaging/target/app-image/omniglass-console/bin/omniglass-console"
CORE_JAR="$ROOT/services/core/target/omniglass-core.jar"
[ -x "$IMG" ] || { echo "no app-image: run ./omniglass package first" >&2; exit 2; }
[ -f "$CORE_JAR" ] || (cd "$ROOT" && ./mvnw -B -q -DskipTests package -pl services/core -am)
DATA="$(mktemp -d /tmp/og-verify-XXXXXX)"
PORT="${OMNIGLASS_HTTP_PORT:-18699}"
OMNIGLASS_DATA_DIR="$DATA" OMNIGLASS_HTTP_PORT="$PORT" java -Xmx512m -cp "$CORE_JAR:$(dirname "$CORE_JAR")/lib/*" io.omniglass.core.cli.OmniglassCli core serve >"$DATA/core.log" 2>&1 &
CORE=$!
cleanup() { kill "$CORE" 2>/dev/null || true; wait "$CORE" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  if [ -f "$DATA/endpoints.json" ] && curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; then break; fi
  kill -0 "$CORE" 2>/dev/null || { cat "$DATA/core.log" >&2; exit 1; }
  sleep 1
done
TOKEN="$(cat "$DATA/admin.token")"
curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"slug":"check","name":"App-image check"}' "http://127.0.0.1:$PORT/api/v1/tenants" >/dev/null
RUN=("$IMG" --url "http://127.0.0.1:$PORT" --token-file "$DATA/admin.token" --tenant check --check)
if [ -z "${DISPLAY:-}" ]; then RUN=(xvfb-run -a -s "-screen 0 1600x1000x24" "${RUN[@]}"); fi
XDG_CONFIG_HOME="$DATA/config" "${RUN[@]}" 2>&1 | grep -v -e 'Unsupported JavaFX configuration' -e 'PlatformImpl startup' -e 'Gdk-WARNING' -e '^$'
