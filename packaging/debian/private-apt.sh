# Sourced by the packaging scripts that take packages from another Debian release (pgvector's source,
# forky's nats-server). Sets APT, an array of apt-get options that read a private sources list under
# $1 (the machine's own Debian mirror, found in its apt configuration, for suite $2 with types $3), so
# the machine's apt configuration is left as it is; apt still checks every download against the
# signed archive index. $4 is the name the messages start with.
private_apt() {
  local out="$1" suite="$2" types="$3" who="$4" mirror
  mkdir -p "$out/apt/lists/partial" "$out/apt/cache/archives/partial" "$out/apt/sources.list.d" "$out/apt/preferences.d"
  # the archive, not -security
  mirror="$( (cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p';
              cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p') \
            | tr ' ' '\n' | grep -E '/debian/?$' | head -n 1)" || true
  [ -n "$mirror" ] || { echo "$who: no Debian archive in this machine's apt sources" >&2; return 1; }
  cat > "$out/apt/sources.list.d/$suite.sources" <<SOURCES
Types: $types
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  APT=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$out/apt/sources.list.d"
       -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$out/apt/preferences.d"
       -o "Dir::State::Lists=$out/apt/lists" -o "Dir::Cache=$out/apt/cache" -o "Dir::State::status=/dev/null"
       -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -qq)
}
