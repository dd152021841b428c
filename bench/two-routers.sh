#!/usr/bin/env bash
# Two `soal serve` processes over one embedded S3: 2,000 POST /jobs, 20% repeated keys, concurrency 32;
# then again with the second server killed (SIGKILL) halfway. Options: BENCH_OPTS="-Drequests=N -Dconcurrency=N -DrunMillis=N".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/soal" --version >/dev/null   # builds the project on first use
router_jar=$(ls "$root"/router/target/soal-router-*.jar | head -n 1)
exec java -Xmx1g -Dsoal.home="$root" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${BENCH_OPTS:-} \
  -cp "$router_jar:$root/router/target/lib/*" "$root/bench/TwoRoutersLoad.java"
