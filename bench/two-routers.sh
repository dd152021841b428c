#!/usr/bin/env bash
# Two `soal serve` processes over one embedded S3: 2,000 POST /jobs, 20% repeated keys, concurrency 32;
# then again with the second server killed (SIGKILL) halfway. Options: BENCH_OPTS="-Drequests=N -Dconcurrency=N -DrunMillis=N".
exec "$(dirname "${BASH_SOURCE[0]}")/java.sh" TwoRoutersLoad.java 1g
