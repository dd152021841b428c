package dev.soal.runtime;

import dev.soal.core.InMemoryJobStore;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.Backend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lambda handler with a real local Spark session and an in-memory job store; the script comes from a
 * JobRunner that reads it locally, so no S3 is needed here (the end-to-end tests use S3).
 */
class SparkLambdaHandlerTest {
    @TempDir
    static Path tmp;

    /** Serves the script text from memory instead of fetching it from S3. */
    private static JobRunner runnerFor(String sql) {
        return new JobRunner(uri -> sql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static SparkLambdaHandler handler(InMemoryJobStore store, String sql) {
        RuntimeConfig config = new RuntimeConfig(S3Uri.parse("s3://soal-jobs/"), 2048, tmp,
                new S3Settings("us-east-1", null, null, null), dev.soal.core.TableSettings.none());
        return new SparkLambdaHandler(config, store, runnerFor(sql), Clock.systemUTC(), Duration.ofMillis(200));
    }

    private static JobRecord queued(InMemoryJobStore store) {
        Instant now = Instant.now();
        JobRecord job = JobRecord.queued(JobIds.next(now), new JobRequest("s3://soal-scripts/x.sql", null,
                List.of("s3://soal-data/x.csv"), "s3://soal-output/x/", null, null, null, null),
                new Measurement(1, 1, 0), new RoutingDecision(Backend.LAMBDA, 2048, List.of("t")), now);
        store.create(job, null);
        return job;
    }

    private static Map<String, Object> payload(JobRecord job) {
        return Map.of("job", Json.mapper().convertValue(job, Map.class));
    }

    /** A handler whose script fetch runs {@code script} (throwing what a run that exhausts its resources throws). */
    private static SparkLambdaHandler spilling(InMemoryJobStore store, java.util.function.Supplier<String> script,
                                               JobReporter.OutputCheck outputs) {
        RuntimeConfig config = new RuntimeConfig(S3Uri.parse("s3://soal-jobs/"), 2048, tmp,
                new S3Settings("us-east-1", null, null, null), dev.soal.core.TableSettings.none());
        return new SparkLambdaHandler(config, store, new JobRunner(uri -> script.get().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Clock.systemUTC(), Duration.ofMillis(200), dev.soal.core.RuntimeAttempts.DEFAULT_LEASE, null,
                (uri, bytes) -> { }, outputs);
    }

    private static JobRecord queuedSpillingTo(InMemoryJobStore store, Backend cluster) {
        Instant now = Instant.now();
        JobRecord job = JobRecord.queued(JobIds.next(now), new JobRequest("s3://soal-scripts/x.sql", null,
                List.of("s3://soal-data/x.csv"), "s3://soal-output/x/", null, null, null, null),
                new Measurement(1, 1, 0), new RoutingDecision(Backend.LAMBDA, 2048, List.of("t"), cluster), now);
        store.create(job, null);
        return job;
    }

    @Test
    void aJobThatRunsOutOfMemory_spillsOverToItsCluster_andALateDeliveryDoesNotRunItAgain() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queuedSpillingTo(store, Backend.STANDALONE);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        SparkLambdaHandler h = spilling(store, () -> {
            runs.incrementAndGet();
            throw new OutOfMemoryError("Java heap space");
        }, (uri, since) -> java.util.Optional.empty());

        Map<String, Object> out = h.handleRequest(payload(job), null);

        assertThat(out).containsEntry("state", "QUEUED");
        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.QUEUED);
        assertThat(after.decision().backend()).isEqualTo(Backend.STANDALONE);
        assertThat(after.message()).startsWith("spilled over: lambda 2048 MB ran out of memory after ").endsWith("-> standalone (Java heap space)");
        assertThat(after.spilledFrom().cost()).isNotNull();
        assertThat(after.history()).extracting(h2 -> h2.state()).containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.QUEUED);
        // Lambda delivers at least once: a second delivery of the same event finds the job on the cluster
        assertThat(h.handleRequest(payload(job), null)).containsEntry("message", "it moved to a cluster (spilled over)");
        assertThat(runs).hasValue(1);
        assertThat(store.get(job.id()).orElseThrow()).isEqualTo(after);
    }

    @Test
    void aScriptError_orAnOutputTheAttemptMayHaveWritten_isNotSpilledOver() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord bad = queuedSpillingTo(store, Backend.STANDALONE);
        assertThat(spilling(store, () -> "SELECT nme FROM range(1)", (uri, since) -> java.util.Optional.empty())
                .handleRequest(payload(bad), null)).containsEntry("state", "FAILED");
        JobRecord failed = store.get(bad.id()).orElseThrow();
        assertThat(failed.decision().backend()).isEqualTo(Backend.LAMBDA);
        assertThat(failed.message()).contains("UNRESOLVED_COLUMN").doesNotContain("spill");

        JobRecord written = queuedSpillingTo(store, Backend.STANDALONE);
        spilling(store, () -> {
            throw new OutOfMemoryError("Java heap space");
        }, (uri, since) -> java.util.Optional.of(uri + "part-0 was written at " + since)).handleRequest(payload(written), null);
        JobRecord kept = store.get(written.id()).orElseThrow();
        assertThat(kept.state()).isEqualTo(JobState.FAILED);
        assertThat(kept.message()).startsWith("Java heap space (ran out of memory; not spilled over: a second attempt could"
                + " mix its output with this one's: s3://soal-output/x/part-0 was written at ");
        assertThat(kept.spilledFrom()).isNull();
    }

    @Test
    void runsTheJob_andReportsRunningThenSucceeded_withDuration() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        Map<String, Object> out = handler(store, "SELECT 1 AS one").handleRequest(payload(job), null);

        assertThat(out).containsEntry("state", "SUCCEEDED");
        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.history()).extracting(h -> h.state()).containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(after.durationMillis()).isNotNull().isPositive();
    }

    @Test
    void aNewAttempt_doesNotShowAnEarlierAttemptsProgress() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        // what an earlier attempt left: statement 9 of 9
        store.update(job.id(), j -> j.toBuilder().progress(new dev.soal.core.JobProgress(9, 9, "SELECT old", 0, 0, 0, Instant.now())).build());
        JobReporter reporter = new JobReporter(java.util.Optional.of(store), job.id(), Clock.systemUTC(), "req-2/n2", Duration.ofMinutes(1));

        assertThat(reporter.claim("lambda test", new dev.soal.core.RuntimeEnvironment("env-2", false))).isEqualTo(dev.soal.core.RuntimeAttempts.Claim.RUN);
        assertThat(store.get(job.id()).orElseThrow().progress()).as("cleared by the claim").isNull();
    }

    @Test
    void whileItRuns_theJobsProgressAndItsSparkApplication_areInItsRecord() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        Map<String, Object> out = handler(store, """
                SELECT 1 AS warm_up;
                SELECT count(s) FROM (SELECT java_method('java.lang.Thread', 'sleep', 300L) AS s FROM range(0, 6, 1, 6));
                """).handleRequest(payload(job), null);

        assertThat(out).containsEntry("state", "SUCCEEDED");
        JobRecord after = store.get(job.id()).orElseThrow();
        // reported while it ran, and kept as it last was
        assertThat(after.progress()).isNotNull();
        assertThat(after.progress().statements()).isEqualTo(2);
        assertThat(after.progress().statement()).isBetween(1, 2);
        assertThat(after.sparkApplicationId()).startsWith("local-");
    }

    @Test
    void theRunsUsage_isKeptWithItsEnd_heapAndRowsWritten() throws Exception {
        InMemoryJobStore store = new InMemoryJobStore();
        Path out = Files.createTempDirectory(tmp, "usage-out");
        JobRecord job = queued(store);
        handler(store, "INSERT OVERWRITE DIRECTORY 'file://" + out.resolve("o") + "' USING csv SELECT id FROM range(1000)")
                .handleRequest(payload(job), null);

        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.state()).as(after.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.usage()).isNotNull();
        assertThat(after.usage().rowsWritten()).isEqualTo(1000);
        assertThat(after.usage().bytesWritten()).isPositive();
        // the JVM's own figures: a heap in use, below its maximum, and the size of the file store /tmp is on
        assertThat(after.usage().startHeapBytes()).isPositive();
        assertThat(after.usage().peakHeapBytes()).isLessThanOrEqualTo(after.usage().maxHeapBytes());
        assertThat(after.usage().tmpTotalBytes()).isEqualTo(Files.getFileStore(tmp).getTotalSpace());
    }

    @Test
    void theJobSaysWhichEnvironmentRanIt_andWhetherItWasCold() {
        InMemoryJobStore store = new InMemoryJobStore();
        SparkLambdaHandler h = handler(store, "SELECT 1");
        JobRecord first = queued(store);
        h.handleRequest(payload(first), null);
        JobRecord second = queued(store);
        h.handleRequest(payload(second), null);
        JobRecord a = store.get(first.id()).orElseThrow();
        JobRecord b = store.get(second.id()).orElseThrow();
        assertThat(a.environment().id()).isEqualTo(SparkLambdaHandler.ENVIRONMENT_ID).isEqualTo(b.environment().id());
        // the session is warm by the second job (other tests in this JVM may have warmed it for the first)
        assertThat(b.environment().coldStart()).isFalse();
    }

    @Test
    void aRetriedDeliveryOfAnEndedJob_doesNotRunAgain() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        SparkLambdaHandler h = handler(store, "SELECT 1");
        h.handleRequest(payload(job), null);
        Map<String, Object> again = h.handleRequest(payload(job), null);
        assertThat(again).containsEntry("message", "already ended");
        assertThat(store.get(job.id()).orElseThrow().history()).hasSize(3);
    }

    @Test
    void aDeliveryWhileAnotherAttemptHoldsTheJob_doesNotRun() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        store.update(job.id(), j -> dev.soal.core.RuntimeAttempts.claim(j, "first-attempt", "elsewhere", Instant.now(),
                Duration.ofMinutes(5)));
        Map<String, Object> out = handler(store, "SELECT 1").handleRequest(payload(job), null);
        assertThat(out).containsEntry("message", "held by another attempt");
        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.RUNNING);
        assertThat(after.attempt().owner()).isEqualTo("first-attempt");
    }

    @Test
    void aDeliveryAfterTheHoldersLeaseLapsed_takesOver_andRuns() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        Instant longAgo = Instant.now().minus(Duration.ofMinutes(10));
        store.update(job.id(), j -> dev.soal.core.RuntimeAttempts.claim(j, "crashed-attempt", "elsewhere", longAgo,
                Duration.ofSeconds(30)));
        Map<String, Object> out = handler(store, "SELECT 1").handleRequest(payload(job), null);
        assertThat(out).containsEntry("state", "SUCCEEDED");
        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.history()).extracting(h -> h.message()).anyMatch(m -> m.contains("took over from crashed-attempt"));
    }

    @Test
    void twoDeliveriesAtOnce_runTheScriptOnce() throws Exception {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        SparkLambdaHandler h = handler(store, "SELECT count(*) FROM range(0, 2000, 1, 4)");
        CompletableFuture<Map<String, Object>> a = CompletableFuture.supplyAsync(() -> h.handleRequest(payload(job), null));
        CompletableFuture<Map<String, Object>> b = CompletableFuture.supplyAsync(() -> h.handleRequest(payload(job), null));
        List<Object> states = List.of(a.get(60, TimeUnit.SECONDS).get("state"), b.get(60, TimeUnit.SECONDS).get("state"));
        assertThat(states).containsOnly("SUCCEEDED", "RUNNING");
        assertThat(store.get(job.id()).orElseThrow().history()).extracting(c -> c.state())
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
    }

    @Test
    void cancelledBeforeItStarted_isCancelled_notRun() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        store.update(job.id(), j -> j.transition(JobState.CANCELLING, "CANCELLING", "asked", Instant.now()));
        handler(store, "SELECT 1").handleRequest(payload(job), null);
        assertThat(store.get(job.id()).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void cancelWhileRunning_stopsTheSparkJob_andReportsCancelled() throws Exception {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        // about 15 minutes of 10 ms sleeps in 3,000 short tasks, unless it is cancelled (a cancelled job
        // schedules no more tasks; the one running ends within 0.3 s)
        SparkLambdaHandler h = handler(store,
                "SELECT count(*) FROM range(0, 90000, 1, 3000) WHERE reflect('java.lang.Thread', 'sleep', cast(10 as bigint)) IS NULL");
        CompletableFuture<Map<String, Object>> run = CompletableFuture.supplyAsync(() -> h.handleRequest(payload(job), null));
        while (store.get(job.id()).orElseThrow().state() != JobState.RUNNING) {
            Thread.sleep(50);
        }
        Thread.sleep(1_000);
        store.update(job.id(), j -> j.transition(JobState.CANCELLING, "CANCELLING", "asked", Instant.now()));

        Map<String, Object> out = run.get(60, TimeUnit.SECONDS);

        assertThat(out).containsEntry("state", "CANCELLED");
        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.CANCELLED);
        assertThat(after.message()).startsWith("cancelled during statement 1");
    }

    @Test
    void failingScript_isReportedFailed_withTheStatement() {
        InMemoryJobStore store = new InMemoryJobStore();
        JobRecord job = queued(store);
        handler(store, "SELECT * FROM nowhere").handleRequest(payload(job), null);
        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.FAILED);
        assertThat(after.message()).startsWith("statement 1 (line 1) failed:");
    }

    @Test
    void betweenJobs_tmpIsEmptied_butForTheLiveContext_andTheCodeTheSandboxShowsThere() throws Exception {
        Path tmp = Files.createTempDirectory("soal-tmp-test");
        for (String d : List.of("spark-local", "soal-job-1", "checkout/lambda-runtime/target", "hsperfdata_root")) {
            Files.createDirectories(tmp.resolve(d));
        }
        Files.writeString(tmp.resolve("left-by-a-job.csv"), "x");
        String classpath = tmp.resolve("checkout/lambda-runtime/target/lambda-ric") + "/*" + java.io.File.pathSeparator + "/opt/other.jar";

        java.util.Set<String> keep = SparkLambdaHandler.keptInTmp(tmp, classpath, true);
        assertThat(keep).containsExactlyInAnyOrder("spark-local", "s3a", "spark-events", "checkout");
        SparkLambdaHandler.emptyTmp(tmp, keep);
        try (java.util.stream.Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("spark-local", "checkout", "hsperfdata_root");
        }
        assertThat(SparkLambdaHandler.keptInTmp(tmp, classpath, false)).containsExactly("checkout");
        SparkLambdaHandler.deleteTree(tmp);
    }
}
