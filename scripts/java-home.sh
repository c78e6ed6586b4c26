# shellcheck shell=bash
# java-home.sh: pick a JDK 21+ for Longshore and export JAVA_HOME and PATH.
#
#   source scripts/java-home.sh
#
# Order: $JAVA_HOME if it is 21 or newer; else /usr/lib/jvm/temurin-25-jdk-amd64;
# else the newest /usr/lib/jvm/* whose `release` file says JAVA_VERSION >= 21.
# (The machine default `java` on the dev/CI machines is JDK 17, too old.)
# Sourced, so it never exits the caller's shell: it returns 1 with a message
# on stderr when no JDK 21+ is found.

_longshore_java_major() {
  # prints the feature version (17, 21, 25, ...) of the JDK at $1, or nothing
  local home=$1 v=""
  [ -x "$home/bin/java" ] || return 1
  if [ -r "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$home/release" | head -n1)
  fi
  if [ -z "$v" ]; then
    # no release file: ask the JVM itself
    v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  fi
  [ -n "$v" ] || return 1
  v=${v#1.}            # 1.8.0_392 -> 8.0_392
  v=${v%%[.+_-]*}      # 21.0.5 -> 21, 25+36 -> 25
  case "$v" in ''|*[!0-9]*) return 1 ;; esac
  printf '%s\n' "$v"
}

_longshore_pick_jdk() {
  local cand major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(_longshore_java_major "$JAVA_HOME") || major=0
    if [ "${major:-0}" -ge 21 ]; then printf '%s\n' "$JAVA_HOME"; return 0; fi
  fi
  cand=/usr/lib/jvm/temurin-25-jdk-amd64
  major=$(_longshore_java_major "$cand") || major=0
  if [ "${major:-0}" -ge 21 ]; then printf '%s\n' "$cand"; return 0; fi
  for cand in /usr/lib/jvm/*; do
    [ -d "$cand" ] && [ -r "$cand/release" ] || continue
    major=$(_longshore_java_major "$cand") || continue
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$cand; best_major=$major
    fi
  done
  [ -n "$best" ] || return 1
  printf '%s\n' "$best"
}

if _longshore_jdk=$(_longshore_pick_jdk); then
  export JAVA_HOME=$_longshore_jdk
  case ":$PATH:" in
    "$JAVA_HOME/bin:"*) ;;
    *) export PATH="$JAVA_HOME/bin:$PATH" ;;
  esac
  unset _longshore_jdk
  unset -f _longshore_java_major _longshore_pick_jdk
else
  unset _longshore_jdk
  unset -f _longshore_java_major _longshore_pick_jdk
  echo "java-home.sh: ERROR: no JDK 21 or newer found (JAVA_HOME='${JAVA_HOME:-}' is not one," \
       "/usr/lib/jvm/temurin-25-jdk-amd64 is missing, and no /usr/lib/jvm/*/release says JAVA_VERSION >= 21)." \
       "Install one (e.g. apt-get install openjdk-21-jdk-headless or a Temurin 21+) or set JAVA_HOME to it." >&2
  return 1 2>/dev/null || exit 1
fi
