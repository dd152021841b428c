package dev.soal.tests;

import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.router.embedded.LocalLambdaService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lambda's sandbox, as far as this machine allows ({@link LambdaSandbox}): ten jobs in one warm environment
 * leave nothing behind for the next (each creates the same table and caches it, which fails if the last
 * one's is still there), open files, threads and {@code /tmp} do not grow from job to job (printed), and a
 * script that writes outside {@code /tmp} fails on the read-only root (with bubblewrap) while nothing
 * appears on the host.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LambdaSandboxIT {
    @Test
    void tenJobsInOneEnvironment_leaveNothingBehind_andNothingGrows() throws Exception {
        try (RuntimeFixture fixture = new RuntimeFixture("soal-sandbox-it", 1)) {
            StringBuilder csv = new StringBuilder("k,v\n");
            for (int i = 0; i < 5000; i++) {
                csv.append("k").append(i % 13).append(',').append(i).append('\n');
            }
            fixture.put("soal-data", "kv.csv", csv.toString());
            fixture.put("soal-scripts", "job.sql", """
                    CREATE OR REPLACE TEMPORARY VIEW kv USING csv OPTIONS (path '${input}', header 'true', inferSchema 'true');
                    CREATE DATABASE kept_db;
                    CREATE TABLE kept_db.kept USING parquet AS SELECT k, sum(v) AS total FROM kv GROUP BY k;
                    CREATE TABLE kept USING parquet AS SELECT * FROM kept_db.kept;
                    CREATE GLOBAL TEMPORARY VIEW kept_view AS SELECT * FROM kept;
                    CACHE TABLE kept;
                    INSERT OVERWRITE DIRECTORY '${output}' USING parquet SELECT * FROM global_temp.kept_view;
                    SELECT count(*) AS n FROM kept;
                    """);
            fixture.put("soal-scripts", "escape.sql", "INSERT OVERWRITE DIRECTORY '${target}' USING csv SELECT 1 AS one;");

            List<long[]> samples = new ArrayList<>();
            System.out.println("job  open-files  threads  tmp-bytes");
            for (int n = 1; n <= 10; n++) {
                JobRecord job = fixture.run(fixture.record("s3://soal-scripts/job.sql", "s3://soal-data/kv.csv",
                        "s3://soal-output/sandbox/", Map.of()));
                assertThat(job.state()).as(job.message()).isEqualTo(JobState.SUCCEEDED);
                assertThat(job.environment().coldStart()).isEqualTo(n == 1);
                LocalLambdaService.EnvironmentView env = fixture.lambda.environments().get(0);
                long pid = runtimePid(env.pid());
                // the session's event log is apart: it grows with each job's events until it rolls (below)
                Path events = env.tmp().resolve("spark-events");
                long[] sample = {openFiles(pid), threads(pid), bytes(env.tmp()) - (Files.exists(events) ? bytes(events) : 0),
                        Files.exists(events) ? bytes(events) : 0};
                samples.add(sample);
                System.out.printf("%3d  %10d  %7d  %9d  (event log %d)%n", n, sample[0], sample[1], sample[2], sample[3]);
            }
            assertThat(fixture.lambda.environments()).singleElement().satisfies(e -> assertThat(e.invocations()).isEqualTo(10));
            // Spark's pools fill over the first jobs; from the fifth on, one leaked thread, file or staged input
            // per job would add at least 5 threads, 5 files or 5 x 40 KB by the tenth
            long[] fifth = samples.get(4);
            long[] last = samples.get(9);
            assertThat(last[0]).as("open files after job 10 vs job 5").isLessThanOrEqualTo(fifth[0] + 3);
            assertThat(last[1]).as("threads after job 10 vs job 5").isLessThanOrEqualTo(fifth[1] + 3);
            assertThat(last[2]).as("/tmp bytes after job 10 vs job 5").isLessThanOrEqualTo(fifth[2] + 16 * 1024);
            // the event log rolls at 10 MB and a rolled file leaves /tmp once copied to S3: its newest file, at most
            assertThat(last[3]).as("the event log in /tmp").isPositive().isLessThanOrEqualTo(11L << 20);

            // writing outside /tmp: the read-only root refuses it, and the host sees nothing
            Path outside = Path.of("/var/tmp", "soal-escape-" + UUID.randomUUID());
            JobRecord escape = fixture.run(fixture.record("s3://soal-scripts/escape.sql", "s3://soal-data/kv.csv",
                    "s3://soal-output/sandbox/", Map.of("target", outside.toUri().toString())));
            if (fixture.sandbox.readOnlyRoot()) {
                assertThat(escape.state()).isEqualTo(JobState.FAILED);
                assertThat(escape.message()).containsAnyOf("Read-only file system", "Mkdirs failed to create file:" + outside);
                assertThat(outside).doesNotExist();
            } else {
                System.out.println("no read-only root here (" + fixture.sandbox.describe() + "): the write outside /tmp ended "
                        + escape.state());
                deleteTree(outside);
            }
            try (Stream<Path> task = Files.list(fixture.home.resolve("lambda").resolve(RuntimeFixture.FUNCTION)
                    .resolve(fixture.lambda.environments().get(0).id()).resolve("task"))) {
                assertThat(task.toList()).as("the working directory stays empty").isEmpty();
            }
        }
    }

    /** The JVM itself: the environment's process, or its deepest descendant inside the sandbox. */
    private static long runtimePid(long pid) {
        return ProcessHandle.of(pid).orElseThrow().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(pid);
    }

    private static long openFiles(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            return fds.count();
        }
    }

    private static long threads(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith("Threads:")).mapToLong(l -> Long.parseLong(l.substring(8).trim())).findFirst().orElseThrow();
    }

    private static long bytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
