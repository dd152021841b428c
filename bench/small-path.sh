#!/usr/bin/env bash
# The small path against plain Spark and DuckDB (issue 8): generated 50 MB and 400 MB listings, medians of 3,
# ratios. Options: BENCH_OPTS="-Dsizes=50MB -Druns=5 -Dsoalrun=false -Dprovisioned=false -Dup=false -Dverbose=true". Takes 10-30 minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/soal" --version >/dev/null   # builds the project on first use
duck_version=1.4.1.0
duck="$HOME/.m2/repository/org/duckdb/duckdb_jdbc/$duck_version/duckdb_jdbc-$duck_version.jar"
[ -f "$duck" ] || mvn -B -q dependency:get -Dartifact="org.duckdb:duckdb_jdbc:$duck_version" >&2
helpers="$root/.soal-bench/small-path/classes"
mkdir -p "$helpers"
javac -nowarn -d "$helpers" -cp "$root/lambda-runtime/target/spark-home/jars/*:$duck" \
  "$root/bench/small-path/PlainSpark.java" "$root/bench/small-path/DuckDbListings.java"
BENCH_OPTS="-Dhelpers=$helpers -Dduckdb.jar=$duck ${BENCH_OPTS:-}" exec "$root/bench/java.sh" SmallPath.java 1g
