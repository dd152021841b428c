#!/usr/bin/env bash
# A profile of the small path's work (issue 20): the example script on a generated CSV in a session with the Lambda
# settings, 8 jobs in one JVM under Java Flight Recorder; prints the cold (session start and first job) and the warm
# (jobs 3-8) recordings' top frames. Options: SIZE=50MB RUNS=8. Recordings stay in .soal-bench/profile/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/soal" --version >/dev/null   # builds the project on first use
work="$root/.soal-bench/profile"
size="${SIZE:-50MB}"
mkdir -p "$work/classes"
csv="$work/listings-$size.csv"
[ -f "$csv" ] || "$root/soal" generate-listings --size "$size" --out "$csv" >/dev/null
cp="$root/lambda-runtime/target/soal-runner.jar:$root/lambda-runtime/target/spark-home/jars/*"
javac -nowarn -d "$work/classes" -cp "$cp" "$root/bench/small-path/ProfileJob.java" "$root/bench/small-path/TopFrames.java"
rm -rf "$work/scratch"
java -cp "$work/classes:$cp" ProfileJob --launch "$root" "$root/examples/listings/neighbourhood_stats.sql" "$csv" "$work/scratch" "${RUNS:-8}" "$work" \
  | grep -E '^(session|job [0-9]+):'
java -cp "$work/classes" TopFrames "$work/cold.jfr" 15
java -cp "$work/classes" TopFrames "$work/warm.jfr" 15
