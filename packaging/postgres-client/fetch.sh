#!/usr/bin/env bash
# Fetches the Postgres client programs of the embedded Postgres' major version (17) from Debian's
# packages and writes launchers for pg_basebackup, pg_dump and pg_restore to
#   packaging/postgres-client/target/bin/
# which the tests use to make streaming replicas of a running server (testing/StreamingReplica)
# and to move a tenant's database to another server (docs/cluster.md).
#
# Why: zonky's embedded Postgres bundle has no pg_basebackup, and Debian bookworm's is 15, which
# refuses a 17 server. trixie's postgresql-client-17 carries 17's, but it is built against glibc
# 2.38 (bookworm has 2.36; trixie's postgresql-17 source is not served to build it here). So the
# binary runs under trixie's own dynamic loader and C library, with trixie's libpq 17 (and the
# libldap it links), all extracted with `dpkg-deb -x`, never installed; the rest of its libraries
# (OpenSSL, zstd, lz4, zlib, Kerberos, SASL) are the machine's. apt reads a private sources list
# under target/ (the machine's own Debian mirror), so the machine's apt configuration is left as it
# is; apt checks every download against the signed archive index.
#
# Idempotent: does nothing when a working pg_basebackup 17 is there (--force fetches again).
# Prints the launcher's path on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/target"
BIN="$OUT/bin/pg_basebackup"
TOOLS=(pg_basebackup pg_dump pg_restore)
PG_MAJOR=17
SUITE=trixie
PACKAGES=("postgresql-client-$PG_MAJOR" libpq5 libldap2 libc6)

works() { # $1: a launcher; true when it runs and is major $PG_MAJOR
  "$1" --version 2>/dev/null | grep -Eq "^$(basename "$1") \(PostgreSQL\) $PG_MAJOR\."
}

all_work() { # $1: a directory of launchers
  local t
  for t in "${TOOLS[@]}"; do
    [ -x "$1/$t" ] && works "$1/$t" || return 1
  done
}

if [ "${1:-}" != --force ] && all_work "$OUT/bin"; then
  echo "$BIN"
  exit 0
fi

[ "$(uname -m)" = x86_64 ] || { echo "pg_basebackup: only linux x86_64 is fetched (this is $(uname -m))" >&2; exit 1; }
command -v apt-get >/dev/null 2>&1 || { echo "pg_basebackup: fetched from Debian's packages: apt-get is needed" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "pg_basebackup: fetching Debian $SUITE's postgresql-client-$PG_MAJOR" >&2
WORK="$OUT/work"
ROOTFS="$OUT/root"
rm -rf "$WORK" "$ROOTFS"
mkdir -p "$WORK" "$ROOTFS"
. "$HERE/../debian/private-apt.sh"
private_apt "$OUT" "$SUITE" "deb" pg_basebackup
APT+=(-o "APT::Architecture=amd64")
$SUDO apt-get "${APT[@]}" update >&2
(cd "$WORK" && $SUDO apt-get "${APT[@]}" download "${PACKAGES[@]}" >&2)
[ -z "$SUDO" ] || $SUDO chown -R "$(id -u):$(id -g)" "$OUT"
for deb in "$WORK"/*.deb; do
  dpkg-deb -x "$deb" "$ROOTFS"
done
REAL="$ROOTFS/usr/lib/postgresql/$PG_MAJOR/bin/pg_basebackup"
LIBS="$ROOTFS/usr/lib/x86_64-linux-gnu"
[ -x "$REAL" ] && [ -x "$LIBS/ld-linux-x86-64.so.2" ] || { echo "pg_basebackup: the packages lack pg_basebackup or the loader" >&2; exit 1; }
# paths relative to the launcher, so the checkout can move
rm -rf "$OUT/bin.tmp"
mkdir -p "$OUT/bin.tmp"
for t in "${TOOLS[@]}"; do
  cat > "$OUT/bin.tmp/$t" <<LAUNCHER
#!/bin/sh
# Debian $SUITE's $t under $SUITE's loader and C library (packaging/postgres-client/fetch.sh)
ROOT="\$(cd "\$(dirname "\$0")/../root" && pwd)"
LIBS="\$ROOT/usr/lib/x86_64-linux-gnu"
exec "\$LIBS/ld-linux-x86-64.so.2" --library-path "\$LIBS" "\$ROOT/usr/lib/postgresql/$PG_MAJOR/bin/$t" "\$@"
LAUNCHER
  chmod 0755 "$OUT/bin.tmp/$t"
done
# the launchers find root/ beside their directory: try them from a sibling of bin/
if ! all_work "$OUT/bin.tmp"; then
  echo "pg_basebackup: $(basename "$REAL") from $SUITE does not run here:" >&2
  "$OUT/bin.tmp/pg_basebackup" --version >&2 || true
  LD_TRACE_LOADED_OBJECTS=1 "$LIBS/ld-linux-x86-64.so.2" --library-path "$LIBS" "$REAL" 2>&1 | grep 'not found' >&2 || true
  rm -rf "$OUT/bin.tmp"
  exit 1
fi
rm -rf "$OUT/bin"
mv "$OUT/bin.tmp" "$OUT/bin"
rm -rf "$WORK"
echo "pg_basebackup: $BIN ($("$BIN" --version))" >&2
echo "$BIN"
