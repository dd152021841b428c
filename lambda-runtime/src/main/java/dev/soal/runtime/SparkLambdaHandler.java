package dev.soal.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.Json;
import dev.soal.core.RunnerArgs;
import dev.soal.core.RuntimeAttempts;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Lambda entry point of the small path. The payload is {@code {"job": <JobRecord JSON>}}; the job's
 * script runs in this JVM on a local-mode {@link SparkSession} that stays warm across invocations of the
 * container, each job in its own {@code newSession()} (its own temp views and SQL settings).
 * State goes to the job store: the invocation first claims the job as its attempt ({@link RuntimeAttempts}:
 * RUNNING with the attempt's id and lease, in one conditional write), renews the lease while it runs, and
 * ends it SUCCEEDED, FAILED or CANCELLED with the message and duration. Lambda delivers async events at
 * least once: a delivery that finds the job ended, or held by another live attempt, does not run it; one
 * that finds an attempt whose lease lapsed (a crashed container) takes over.
 *
 * <p>Environment: {@code SOAL_JOB_STORE} (required), {@code SOAL_TMP_DIR} (default /tmp),
 * {@code AWS_LAMBDA_FUNCTION_MEMORY_SIZE} (set by Lambda), {@code SOAL_S3_ENDPOINT} (embedded stack only).
 */
public final class SparkLambdaHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static SparkSession warm;
    /** This execution environment (container, or local runtime JVM): one id for its life. */
    static final String ENVIRONMENT_ID = "env-" + java.util.UUID.randomUUID().toString().substring(0, 8);

    private final RuntimeConfig config;
    private final JobStore store;
    private final JobRunner runner;
    private final Clock clock;
    private final Duration cancelPoll;
    private final Duration lease;

    public SparkLambdaHandler() {
        this(RuntimeConfig.fromEnvironment(System.getenv()));
    }

    private SparkLambdaHandler(RuntimeConfig config) {
        this(config, S3Clients.create(config.s3()));
    }

    private SparkLambdaHandler(RuntimeConfig config, S3Client s3) {
        this(config, new S3JobStore(s3, requireStore(config)), new JobRunner(s3), Clock.systemUTC(),
                CancellationWatcher.DEFAULT_INTERVAL, RuntimeAttempts.DEFAULT_LEASE);
    }

    SparkLambdaHandler(RuntimeConfig config, JobStore store, JobRunner runner, Clock clock, Duration cancelPoll) {
        this(config, store, runner, clock, cancelPoll, RuntimeAttempts.DEFAULT_LEASE);
    }

    SparkLambdaHandler(RuntimeConfig config, JobStore store, JobRunner runner, Clock clock, Duration cancelPoll,
                       Duration lease) {
        this.lease = lease;
        this.config = config;
        this.store = store;
        this.runner = runner;
        this.clock = clock;
        this.cancelPoll = cancelPoll;
    }

    private static dev.soal.core.S3Uri requireStore(RuntimeConfig config) {
        if (config.jobStore() == null) {
            throw new IllegalStateException(RuntimeConfig.JOB_STORE_ENV + " must name the job store, e.g. s3://my-soal-jobs/");
        }
        return config.jobStore();
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Object jobNode = event == null ? null : event.get("job");
        if (jobNode == null) {
            throw new IllegalArgumentException("the payload must be {\"job\": <job record>}, but had keys "
                    + (event == null ? "none" : event.keySet()));
        }
        JobRecord job = Json.mapper().convertValue(jobNode, JobRecord.class);
        long start = clock.millis();
        // the attempt is this invocation: Lambda's request id (its retries of one event keep it, so a nonce
        // tells them apart; the on-failure destination names the request id, which prefixes the attempt)
        String nonce = java.util.UUID.randomUUID().toString().substring(0, 8);
        String attemptId = context == null || context.getAwsRequestId() == null ? nonce
                : context.getAwsRequestId() + "/" + nonce;
        JobReporter reporter = new JobReporter(Optional.of(store), job.id(), clock, attemptId, lease);
        String where = "lambda " + (context == null ? "?" : context.getFunctionName()) + " (" + config.memoryMb() + " MB)";
        // cold: this environment has not started its Spark session yet (the first job pays for it)
        RuntimeAttempts.Claim claim = reporter.claim(where, new dev.soal.core.RuntimeEnvironment(ENVIRONMENT_ID, isCold()));
        if (claim != RuntimeAttempts.Claim.RUN) {
            JobState now = store.get(job.id()).map(JobRecord::state).orElse(JobState.FAILED);
            String why = claim == RuntimeAttempts.Claim.ENDED ? "already ended" : "held by another attempt";
            System.out.println("job " + job.id() + " not run by attempt " + attemptId + ": " + why + " (" + now + ")");
            return result(job.id(), now, 0, why);
        }
        Path scratch = config.tmp().resolve("soal-job-" + job.id());
        SparkSession session;
        try {
            session = session().newSession();
        } catch (Exception | LinkageError e) {
            long took = clock.millis() - start;
            String message = "the Spark session did not start: " + JobRunner.describe(e);
            reporter.failed(took, message);
            return result(job.id(), JobState.FAILED, took, message);
        }
        session.sparkContext().setJobGroup(job.id(), "soal job " + job.id(), true);
        try (CancellationWatcher watcher = new CancellationWatcher(reporter, job.id(), session.sparkContext(), cancelPoll)) {
            return run(job, session, scratch, start, reporter, where, watcher);
        } finally {
            session.sparkContext().clearJobGroup();
            deleteTree(scratch);
        }
    }

    private Map<String, Object> run(JobRecord job, SparkSession session, Path scratch, long start, JobReporter reporter,
                                    String where, CancellationWatcher watcher) {
        JobRunner.Result r;
        try {
            r = runner.run(session, RunnerArgs.of(job, null), scratch, watcher::cancelled);
        } catch (Exception | LinkageError e) {
            long took = clock.millis() - start;
            String message = JobRunner.describe(e);
            if (watcher.lostLease()) {
                message = "stopped: the job store could not be reached to renew the run's lease (" + message + ")";
                reporter.failed(took, message);
                return result(job.id(), JobState.FAILED, took, message);
            }
            if (watcher.cancelled()) {
                reporter.cancelled(took, message);
                return result(job.id(), JobState.CANCELLED, took, message);
            }
            System.err.println("job " + job.id() + " failed: " + message);
            reporter.failed(took, message);
            return result(job.id(), JobState.FAILED, took, message);
        }
        // outside the try: a report that cannot be written is not the script's failure
        long took = clock.millis() - start;
        if (!r.printed().isEmpty()) {
            System.out.print(r.printed());
        }
        String message = "ran " + r.statements() + " statement(s) in " + took + " ms on " + where;
        reporter.succeeded(took, message);
        return result(job.id(), JobState.SUCCEEDED, took, message);
    }

    private static synchronized boolean isCold() {
        return warm == null;
    }

    /** The container's session, started on first use with the Lambda-safe settings. */
    private synchronized SparkSession session() {
        if (warm == null) {
            long t0 = System.nanoTime();
            int cores = SparkSettings.coresFor(config.memoryMb(), Runtime.getRuntime().availableProcessors());
            SparkSession.Builder b = SparkSession.builder();
            SparkSettings.lambda(cores, config.tmp()).forEach(b::config);
            SparkSettings.s3a(config.s3()).forEach(b::config);
            warm = b.getOrCreate();
            System.out.printf("spark session local[%d] started in %d ms (cold start)%n", cores, (System.nanoTime() - t0) / 1_000_000);
        }
        return warm;
    }

    private static Map<String, Object> result(String jobId, JobState state, long millis, String message) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("jobId", jobId);
        out.put("state", state.name());
        out.put("durationMillis", millis);
        out.put("message", message);
        return out;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not clean " + dir + ": " + e.getMessage());
        }
    }
}
