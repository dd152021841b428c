#!/usr/bin/env bash
# Load test of the jobs API (soal serve): 2,000 POST /jobs, 20% duplicate keys, concurrency 32.
# Usage: bench/jobs-api-load.sh   (options: -Drequests=N -Dconcurrency=N before the class, see below)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/soal" --version >/dev/null   # builds the project on first use
router_jar=$(ls "$root"/router/target/soal-router-*.jar | head -n 1)
exec java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${BENCH_OPTS:-} \
  -cp "$router_jar:$root/router/target/lib/*" "$root/bench/JobsApiLoad.java"
