#!/usr/bin/env bash
# Two `soal serve` processes over one embedded S3: 2,000 POST /jobs on a stand-in runtime, 20% repeated keys,
# concurrency 32, both live, then with the second server killed (SIGKILL) halfway; then 60 real jobs on the
# local Lambda service, the second server killed halfway.
# Options: BENCH_OPTS="-Drequests=N -Dconcurrency=N -DrunMillis=N -DlambdaRequests=N -DlambdaConcurrency=N".
exec "$(dirname "${BASH_SOURCE[0]}")/java.sh" TwoRoutersLoad.java 1g
