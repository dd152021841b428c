#!/usr/bin/env bash
# The router's decision code on a simulated month of jobs against fixed policies: total cost, failures, deadline
# misses and spill-overs (docs/benchmarks.md). Options: BENCH_OPTS="-Djobs=N -Dseed=N".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$root/bench/java.sh" RoutingSim.java 1g
