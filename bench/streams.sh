#!/usr/bin/env bash
# A Kafka stream under a fixed load: ~1 KB JSON records at a fixed rate to soal serve's broker, polled by its local
# event source mapping into an Iceberg table on the Lambda path; batch sizes 100, 1,000 and 10,000.
# Options: BENCH_OPTS="-Drate=N -Dseconds=N -DbatchSizes=100,1000,10000".
exec "$(dirname "${BASH_SOURCE[0]}")/java.sh" StreamsLoad.java 1g
