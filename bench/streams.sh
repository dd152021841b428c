#!/usr/bin/env bash
# A Kafka stream under a fixed load: ~1 KB JSON records at a fixed rate to soal serve's broker, polled by its local
# event source mapping into an Iceberg table on the Lambda path; batch sizes 100, 1,000 and 10,000; at 1,000 also
# Spark Structured Streaming (spark-sql-kafka-0-10 3.5.1, local[1], trigger 1 s) on the same load, for reference.
# Options: BENCH_OPTS="-Drate=N -Dseconds=N -DbatchSizes=100,1000,10000 -Dwindow=N -DnoReference=true".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cp=""
for a in org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.1 org.apache.spark:spark-token-provider-kafka-0-10_2.12:3.5.1 \
         org.apache.kafka:kafka-clients:3.4.1 org.apache.commons:commons-pool2:2.11.1; do
  IFS=: read -r g n v <<<"$a"
  jar="$HOME/.m2/repository/${g//.//}/$n/$v/$n-$v.jar"
  [ -f "$jar" ] || mvn -B -q dependency:get -Dartifact="$a" -Dtransitive=false >&2
  cp="$cp:$jar"
done
export BENCH_OPTS="${BENCH_OPTS:-} -Dreference.classpath=${cp#:}"
exec "$root/bench/java.sh" StreamsLoad.java 1g
