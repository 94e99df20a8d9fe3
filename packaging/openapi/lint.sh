#!/usr/bin/env bash
# Lints the core's OpenAPI description with Redocly CLI (pinned in package.json / package-lock.json,
# installed from the npm registry on first run). Exit status non-zero on any error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
doc="$here/../../services/core/src/main/resources/io/omniglass/core/http/openapi.json"
cd "$here"
if [ ! -x node_modules/.bin/redocly ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
# Redocly prints a Node.js 20 end-of-life banner; the lint result follows it
exec node_modules/.bin/redocly lint --config redocly.yaml "$doc" "$@"
