#!/usr/bin/env bash
# What Hudi's jars cost a cold start (issue 21): the small path's cold job (b) and plain Spark in a fresh JVM (a), at
# 50 MB, with the runtime as built (Iceberg, Delta, Hudi and the Hive classes Hudi needs) and with a copy of it
# without Hudi's and Hive's jars (its own AppCDS archive, made as the build makes one). Rounds alternate between the
# two, one job each. Options: ROUNDS=3. Takes about 5 minutes a round.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/soal" --version >/dev/null   # builds the project on first use
built="$root/lambda-runtime/target"
without="$root/.soal-bench/without-hudi/target"
if [ ! -f "$without/soal-runtime.jsa" ] || [ "$without/soal-runtime.jsa" -ot "$built/soal-runner.jar" ]; then
  rm -rf "$without"
  mkdir -p "$without/spark-home/jars"
  cp "$built/soal-runner.jar" "$without/"
  cp -r "$built/lambda-ric" "$without/"
  cp -r "$built/spark-home/conf" "$without/spark-home/"
  for jar in "$built"/spark-home/jars/*.jar; do
    case "$(basename "$jar")" in
      hudi-*|hive-common-*|hive-exec-*|hive-serde-*|hive-shims-*|spark-hive_*) ;;
      *) ln "$jar" "$without/spark-home/jars/" 2>/dev/null || cp "$jar" "$without/spark-home/jars/" ;;
    esac
  done
  java -cp "$without/soal-runner.jar:$without/spark-home/jars/*" dev.soal.runtime.CdsArchive "$without"
fi
du -shl "$built/spark-home/jars" "$without/spark-home/jars"
for round in $(seq 1 "${ROUNDS:-3}"); do
  for variant in with without; do
    opts="-Dsizes=50MB -Druns=1 -Dsoalrun=false -Dprovisioned=false -Dup=false"
    [ "$variant" = without ] && opts="$opts -Druntime=$without"
    echo "== round $round, $variant Hudi"
    BENCH_OPTS="$opts" bash "$root/bench/small-path.sh" | grep -E "^(  run|\\| 50MB)"
  done
done
