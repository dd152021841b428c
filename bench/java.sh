#!/usr/bin/env bash
# Runs one benchmark program (a single-file Java source in bench/) on the router's classpath, after
# building the project if needed: bench/java.sh <Program.java> [heap]. Options: BENCH_OPTS="-D...".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/soal" --version >/dev/null   # builds the project on first use
router_jar=$(ls "$root"/cli/target/soal-cli-*.jar | head -n 1)
exec java "-Xmx${2:-2g}" -Dsoal.home="$root" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${BENCH_OPTS:-} \
  -cp "$router_jar:$root/cli/target/lib/*" "$root/bench/$1"
