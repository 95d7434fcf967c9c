# shellcheck shell=bash
# Sourced by every entry point (bin/celeriac, bin/test, .ci/run): picks a JDK >= 21 and exports JAVA_HOME.
# Order: $JAVA_HOME if new enough, else the newest JDK >= 21 under /usr/lib/jvm, else a clear error.
# Kept in one place so the README, CI and the launcher can never disagree about which JDK runs.

CELERIAC_MIN_JAVA=21

# Prints the feature version (17, 21, 25, ...) of the JDK at $1, or nothing if $1 is not a JDK.
celeriac_java_feature() {
  local home=$1 line
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -r "$home/release" ]; then
    line=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  fi
  if [ -z "${line:-}" ]; then
    line=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  fi
  printf '%s' "${line:-}"
}

celeriac_select_jdk() {
  local v best="" best_v=0 dir
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(celeriac_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$CELERIAC_MIN_JAVA" ]; then
      return 0
    fi
  fi
  for dir in /usr/lib/jvm/*; do
    [ -d "$dir" ] && [ ! -L "$dir" ] || continue
    v=$(celeriac_java_feature "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$CELERIAC_MIN_JAVA" ] && [ "$v" -gt "$best_v" ]; then
      best=$dir best_v=$v
    fi
  done
  if [ -z "$best" ]; then
    echo "celeriac: needs a JDK ${CELERIAC_MIN_JAVA} or newer (java and javac)." >&2
    echo "  JAVA_HOME=${JAVA_HOME:-<unset>} is not one, and none was found under /usr/lib/jvm." >&2
    echo "  Install one (e.g. 'apt-get install openjdk-21-jdk') or point JAVA_HOME at it." >&2
    return 1
  fi
  export JAVA_HOME=$best
}

celeriac_select_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
