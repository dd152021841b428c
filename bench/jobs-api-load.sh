#!/usr/bin/env bash
# Load test of the jobs API (soal serve): 2,000 POST /jobs, 20% duplicate keys, concurrency 32.
# Options: BENCH_OPTS="-Drequests=N -Dconcurrency=N".
exec "$(dirname "${BASH_SOURCE[0]}")/java.sh" JobsApiLoad.java 2g
