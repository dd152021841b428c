#!/usr/bin/env bash
# Listing and reconciling at scale: 10,000 and 100,000 job records in the embedded S3, then
# GET /jobs?state=FAILED&limit=50 and one reconciler sweep. Options: BENCH_OPTS="-Dsizes=1000,10000 -Drounds=N".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/soal" --version >/dev/null   # builds the project on first use
router_jar=$(ls "$root"/router/target/soal-router-*.jar | head -n 1)
exec java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${BENCH_OPTS:-} \
  -cp "$router_jar:$root/router/target/lib/*" "$root/bench/JobsListingBench.java"
