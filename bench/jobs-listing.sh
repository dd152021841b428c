#!/usr/bin/env bash
# Listing and reconciling at scale: 10,000 and 100,000 job records in the embedded S3, then
# GET /jobs?state=FAILED&limit=50 and one reconciler sweep. Options: BENCH_OPTS="-Dsizes=1000,10000 -Drounds=N".
exec "$(dirname "${BASH_SOURCE[0]}")/java.sh" JobsListingBench.java 2g
