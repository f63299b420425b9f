#!/bin/sh
# Starts a Pharos jar the way every launcher here does (deploy/run.sh, pharos.service, the
# Dockerfile, the scale benchmark):
#   launch.sh JAR [pharos arguments...]
#   java @jvm.options [class-data archive] $JAVA_OPTS -jar JAR ...
# Environment:
#   PHAROS_JVM_OPTIONS  the options file (default: jvm.options next to this script)
#   PHAROS_CDS          the application class-data archive (default: pharos.jsa next to JAR; "off": none)
#   JAVA_OPTS           more JVM options, last, so they win
#
# Why the archive: a node loads some 8,000 classes from a 56 MB jar before it serves anything.
# Java 17 keeps them, parsed and verified, in a class-data archive (AppCDS) that a later start
# maps instead of loading again: measured here, an agent node's start to ready went from 3.7-5.1 s
# to 2.0-3.0 s. Java 17 cannot make the archive by itself, so the first start (or the first after
# the jar changed) records it when the JVM exits, under a name of its own, renamed into place:
# nodes started together never read a half-written archive. A stale or unreadable archive only
# costs the speed-up (the JVM checks the jar it was made from, warns, and loads classes itself).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jar=$1
shift
options=${PHAROS_JVM_OPTIONS:-$here/jvm.options}
cds=${PHAROS_CDS:-$(dirname "$jar")/pharos.jsa}
# two malloc arenas, not one per core, keep native memory in few places to trim (jvm.options)
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}

if [ "$cds" = off ]; then
  # shellcheck disable=SC2086
  exec java @"$options" ${JAVA_OPTS:-} -jar "$jar" "$@"
fi
if [ -s "$cds" ] && [ "$cds" -nt "$jar" ]; then
  # shellcheck disable=SC2086
  exec java @"$options" -XX:SharedArchiveFile="$cds" ${JAVA_OPTS:-} -jar "$jar" "$@"
fi

# the recording start: the JVM writes the archive as it exits (SIGTERM included), so this shell
# stays to forward signals and to move the archive into place afterwards
recording="$cds.$$.recording"
if ! touch "$recording" 2>/dev/null; then
  echo "launch.sh: cannot write $recording; starting without a class-data archive" >&2
  # shellcheck disable=SC2086
  exec java @"$options" ${JAVA_OPTS:-} -jar "$jar" "$@"
fi
rm -f "$recording"
# shellcheck disable=SC2086
java @"$options" -XX:ArchiveClassesAtExit="$recording" ${JAVA_OPTS:-} -jar "$jar" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT HUP
# wait returns early when a trapped signal arrives: wait again until the JVM has really gone
wait "$pid" && rc=0 || rc=$?
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid" && rc=0 || rc=$?
done
if [ -s "$recording" ]; then
  mv -f "$recording" "$cds"
else
  rm -f "$recording"
fi
exit "$rc"
