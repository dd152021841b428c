package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import dev.soal.router.embedded.EmbeddedS3;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.embedded.LambdaSandbox;
import dev.soal.router.embedded.LocalLambdaService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final String STORE = "s3://soal-jobs/";
    private static final String FUNCTION = "soal-runtime-2048";

    @Test
    void tenJobsInOneEnvironment_leaveNothingBehind_andNothingGrows() throws Exception {
        Path home = Files.createTempDirectory("soal-sandbox-it");
        LambdaSandbox sandbox = LambdaSandbox.detect();
        System.out.println("sandbox: " + sandbox.describe());
        try (EmbeddedS3 server = EmbeddedS3.start(home.resolve("s3"));
             S3Client s3 = S3Clients.create(server.settings());
             LocalLambdaService lambda = LocalLambdaService.start(EmbeddedStack.lambdaRuntime(
                             RuntimeArtifacts.inCheckout(ROOT).requireBuilt(), server.settings(), STORE),
                     LocalLambdaService.Settings.defaults().withConcurrency(1), home.resolve("lambda"), sandbox,
                     line -> System.out.println("  " + line), record -> System.out.println("  on-failure: " + record))) {
            for (String b : List.of("soal-jobs", "soal-data", "soal-scripts", "soal-output")) {
                s3.createBucket(r -> r.bucket(b));
            }
            StringBuilder csv = new StringBuilder("k,v\n");
            for (int i = 0; i < 5000; i++) {
                csv.append("k").append(i % 13).append(',').append(i).append('\n');
            }
            s3.putObject(r -> r.bucket("soal-data").key("kv.csv"), RequestBody.fromString(csv.toString()));
            s3.putObject(r -> r.bucket("soal-scripts").key("job.sql"), RequestBody.fromString("""
                    CREATE OR REPLACE TEMPORARY VIEW kv USING csv OPTIONS (path '${input}', header 'true', inferSchema 'true');
                    CREATE DATABASE kept_db;
                    CREATE TABLE kept_db.kept USING parquet AS SELECT k, sum(v) AS total FROM kv GROUP BY k;
                    CREATE TABLE kept USING parquet AS SELECT * FROM kept_db.kept;
                    CREATE GLOBAL TEMPORARY VIEW kept_view AS SELECT * FROM kept;
                    CACHE TABLE kept;
                    INSERT OVERWRITE DIRECTORY '${output}' USING parquet SELECT * FROM global_temp.kept_view;
                    SELECT count(*) AS n FROM kept;
                    """));
            s3.putObject(r -> r.bucket("soal-scripts").key("escape.sql"), RequestBody.fromString(
                    "INSERT OVERWRITE DIRECTORY '${target}' USING csv SELECT 1 AS one;"));
            S3JobStore store = new S3JobStore(s3, S3Uri.parse(STORE));
            lambda.register(new LocalLambdaService.Function(FUNCTION, 2048, Duration.ofMinutes(5), RuntimeArtifacts.LAMBDA_HANDLER));

            List<long[]> samples = new ArrayList<>();
            System.out.println("job  open-files  threads  tmp-bytes");
            for (int n = 1; n <= 10; n++) {
                JobRecord job = run(lambda, store, "s3://soal-scripts/job.sql", Map.of());
                assertThat(job.state()).as(job.message()).isEqualTo(JobState.SUCCEEDED);
                assertThat(job.environment().coldStart()).isEqualTo(n == 1);
                LocalLambdaService.EnvironmentView env = lambda.environments().get(0);
                long pid = runtimePid(env.pid());
                long[] sample = {openFiles(pid), threads(pid), bytes(env.tmp())};
                samples.add(sample);
                System.out.printf("%3d  %10d  %7d  %9d%n", n, sample[0], sample[1], sample[2]);
            }
            assertThat(lambda.environments()).singleElement().satisfies(e -> assertThat(e.invocations()).isEqualTo(10));
            long[] third = samples.get(2);
            long[] last = samples.get(9);
            assertThat(last[0]).as("open files after job 10 vs job 3").isLessThanOrEqualTo(third[0] + 16);
            assertThat(last[1]).as("threads after job 10 vs job 3").isLessThanOrEqualTo(third[1] + 8);
            assertThat(last[2]).as("/tmp bytes after job 10 vs job 3").isLessThanOrEqualTo(third[2] + (1 << 20));

            // writing outside /tmp: the read-only root refuses it, and the host sees nothing
            Path outside = Path.of("/var/tmp", "soal-escape-" + UUID.randomUUID());
            JobRecord escape = run(lambda, store, "s3://soal-scripts/escape.sql", Map.of("target", outside.toUri().toString()));
            if (sandbox.readOnlyRoot()) {
                assertThat(escape.state()).isEqualTo(JobState.FAILED);
                assertThat(escape.message()).containsAnyOf("Read-only file system", "Mkdirs failed to create file:" + outside);
                assertThat(outside).doesNotExist();
            } else {
                System.out.println("no read-only root here (" + sandbox.describe() + "): the write outside /tmp ended "
                        + escape.state());
                deleteTree(outside);
            }
            try (Stream<Path> task = Files.list(home.resolve("lambda").resolve(FUNCTION).resolve(lambda.environments().get(0).id()).resolve("task"))) {
                assertThat(task.toList()).as("the working directory stays empty").isEmpty();
            }
        }
    }

    private static JobRecord run(LocalLambdaService lambda, S3JobStore store, String script, Map<String, String> args) throws Exception {
        Instant now = Instant.now();
        String id = JobIds.next(now);
        JobRecord job = JobRecord.queued(id, new JobRequest(script, null, List.of("s3://soal-data/kv.csv"),
                        "s3://soal-output/sandbox/" + id + "/", args, null, null, null),
                new Measurement(4, 1, 0), new RoutingDecision(Backend.LAMBDA, 2048, List.of("test")), now);
        store.create(job, null);
        LocalLambdaService.Result r = lambda.invoke(FUNCTION, Json.write(Map.of("job", job)), true).result().get(4, TimeUnit.MINUTES);
        assertThat(r.failed()).as(r.payload()).isFalse();
        return store.get(id).orElseThrow();
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
