#!/usr/bin/env bash
# Fetches a nats-server that can promise durability (2.10+, which has `sync_interval: always`) and
# stores a CDC drain window with a few fsyncs (2.12+, atomic batch publish) from Debian's testing
# release (forky: 2.15.1), and extracts its binary to
#   packaging/nats-server/target/bin/nats-server
# which the core prefers when the nats-server on PATH is older (runtime/NatsServerBinary).
#
# Why: Debian bookworm's nats-server 2.9.10 fsyncs streams every two minutes and refuses
# sync_interval, so a PubAck may precede the write reaching the disk. trixie's 2.10 fsyncs every
# message one after the other (a store ceiling near 1,500 messages/s here); 2.15 with an atomic batch
# per drain window stores 10x that with the same fsync-before-PubAck (docs/cdc.md). The package is a static
# Go binary: `dpkg-deb -x` of the .deb runs here without installing anything. apt reads a private
# sources list under target/ (the machine's own Debian mirror, from its apt configuration), so the
# machine's apt configuration is left as it is; apt checks the download against the signed index.
#
# Idempotent: does nothing when a 2.12+ binary is there (--force fetches again). Prints the
# binary's path on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/target"
BIN="$OUT/bin/nats-server"
SUITE=forky

durable() { # $1: a nats-server binary; true when its version is 2.12 or newer (atomic batches)
  local v
  v="$("$1" --version 2>/dev/null | sed -n 's/.*v\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n 1)"
  [ -n "$v" ] || return 1
  local major="${v%%.*}" minor="${v#*.}"
  [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge 12 ]; }
}

if [ "${1:-}" != --force ] && [ -x "$BIN" ] && durable "$BIN"; then
  echo "$BIN"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || { echo "nats-server: fetched from Debian's packages: apt-get is needed" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "nats-server: fetching Debian $SUITE's nats-server (2.12+: sync_interval: always, atomic batches)" >&2
WORK="$OUT/work"
rm -rf "$WORK"
mkdir -p "$WORK"
. "$HERE/../debian/private-apt.sh"
private_apt "$OUT" "$SUITE" "deb" nats-server
APT+=(-o "APT::Architecture=amd64")
$SUDO apt-get "${APT[@]}" update >&2
(cd "$WORK" && $SUDO apt-get "${APT[@]}" download nats-server >&2)
[ -z "$SUDO" ] || $SUDO chown -R "$(id -u):$(id -g)" "$OUT"
DEB="$(ls "$WORK"/nats-server_*.deb)"
dpkg-deb -x "$DEB" "$WORK/root"
mkdir -p "$OUT/bin"
install -m 0755 "$(find "$WORK/root/usr" -type f -name nats-server | head -n 1)" "$BIN.tmp"
durable "$BIN.tmp" || { echo "nats-server: $(basename "$DEB") is older than 2.12" >&2; rm -f "$BIN.tmp"; exit 1; }
mv "$BIN.tmp" "$BIN"
rm -rf "$WORK"
echo "nats-server: $BIN ($("$BIN" --version))" >&2
echo "$BIN"
