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
    /** Jars and files the warm context had when it started; a job that adds any leaves it to be replaced. */
    private static int baseJars;
    /** The last job ran out of resources: its session is stopped after it, and the next job starts a new one. */
    private static volatile boolean replaceSession;
    /** The session's event log, copied to the shared prefix after each job; null without {@code SOAL_EVENT_LOG_DIR}. */
    private static EventLogShipper eventLogs;
    /** INIT ran the built-in priming job ({@link Primer}): even the first job finds the environment warm. */
    private static volatile boolean primed;
    private static final java.util.concurrent.atomic.AtomicInteger JOBS_RUN = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * This execution environment: one id for its life. Lambda names the environment's log stream, so that is
     * the id where Lambda runs it (the job's status then leads to its logs); a random one elsewhere.
     */
    static final String ENVIRONMENT_ID = Optional.ofNullable(System.getenv("AWS_LAMBDA_LOG_STREAM_NAME"))
            .filter(s -> !s.isBlank()).orElse("env-" + java.util.UUID.randomUUID().toString().substring(0, 8));

    private final RuntimeConfig config;
    private final JobStore store;
    private final JobRunner runner;
    private final Clock clock;
    private final Duration cancelPoll;
    private final Duration lease;
    /** Inputs and outputs through the SDK (null: straight through S3A, as on the clusters). */
    private final StagedIo io;
    /** Stream batches from event source mappings, each a job. */
    private final StreamJobs streams;
    private final JobReporter.OutputCheck outputs;

    /**
     * What Lambda's runtime interface client calls during INIT. In an execution environment (the Runtime
     * API is set) it also starts the Spark session ({@code SOAL_PRIME=false} leaves that to the first job).
     */
    public SparkLambdaHandler() {
        this(RuntimeConfig.fromEnvironment(System.getenv()));
        if (System.getenv("AWS_LAMBDA_RUNTIME_API") != null && !"false".equals(System.getenv("SOAL_PRIME"))) {
            prime();
        }
    }

    private SparkLambdaHandler(RuntimeConfig config) {
        this(config, S3Clients.create(config.s3()));
    }

    private SparkLambdaHandler(RuntimeConfig config, S3Client s3) {
        this(config, new S3JobStore(s3, requireStore(config)), new JobRunner(s3), Clock.systemUTC(),
                CancellationWatcher.DEFAULT_INTERVAL, RuntimeAttempts.DEFAULT_LEASE,
                "false".equals(System.getenv("SOAL_STAGE_IO")) ? null : new StagedIo(s3),
                (uri, bytes) -> s3.putObject(r -> r.bucket(uri.bucket()).key(uri.key()).contentType("application/json"),
                        software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes)),
                (uri, since) -> dev.soal.adapters.s3.OutputLocation.writtenSince(s3, uri, since));
    }

    SparkLambdaHandler(RuntimeConfig config, JobStore store, JobRunner runner, Clock clock, Duration cancelPoll) {
        this(config, store, runner, clock, cancelPoll, RuntimeAttempts.DEFAULT_LEASE);
    }

    SparkLambdaHandler(RuntimeConfig config, JobStore store, JobRunner runner, Clock clock, Duration cancelPoll,
                       Duration lease) {
        this(config, store, runner, clock, cancelPoll, lease, null, (uri, bytes) -> {
            throw new IllegalStateException("this handler keeps no stream events");
        });
    }

    SparkLambdaHandler(RuntimeConfig config, JobStore store, JobRunner runner, Clock clock, Duration cancelPoll,
                       Duration lease, StagedIo io, java.util.function.BiConsumer<dev.soal.core.S3Uri, byte[]> put) {
        this(config, store, runner, clock, cancelPoll, lease, io, put, JobReporter.OutputCheck.UNKNOWN);
    }

    /** @param outputs what a job's output location holds from an attempt (a spill-over needs it to hold nothing) */
    SparkLambdaHandler(RuntimeConfig config, JobStore store, JobRunner runner, Clock clock, Duration cancelPoll,
                       Duration lease, StagedIo io, java.util.function.BiConsumer<dev.soal.core.S3Uri, byte[]> put,
                       JobReporter.OutputCheck outputs) {
        this.outputs = outputs;
        this.io = io;
        this.streams = new StreamJobs(config.streams(), store, config.jobStore(), put, clock, config.memoryMb());
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

    /**
     * A job the router sent ({@code {"job": ...}}), or a batch an event source mapping delivers (a Kinesis or Kafka
     * event): the batch's answer is then the mapping's {@code batchItemFailures}.
     */
    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        dev.soal.core.LambdaEvents.Kind kind = dev.soal.core.LambdaEvents.kind(event);
        if (kind == dev.soal.core.LambdaEvents.Kind.KAFKA || kind == dev.soal.core.LambdaEvents.Kind.KINESIS) {
            String json = Json.write(event); // once: it is decoded, and kept for the job, from this text
            return streams.handle(StreamBatch.of(event, json).orElseThrow(), json,
                    job -> JobState.valueOf((String) claimAndRun(job, context).get("state")));
        }
        Object jobNode = event == null ? null : event.get("job");
        if (jobNode == null) {
            throw new IllegalArgumentException("the payload must be {\"job\": <job record>} (from the router) or a Kinesis or"
                    + " Kafka event (from an event source mapping), but had keys " + (event == null ? "none" : event.keySet())
                    + (event != null && event.containsKey("Records") ? ": an S3 event goes to the router's trigger function" : ""));
        }
        return claimAndRun(Json.mapper().convertValue(jobNode, JobRecord.class), context);
    }

    /** Claims the job and runs it, unless it ended or another attempt holds it; the result names its state. */
    private Map<String, Object> claimAndRun(JobRecord job, Context context) {
        long start = clock.millis();
        // the attempt is this invocation: Lambda's request id (its retries of one event keep it, so a nonce
        // tells them apart; the on-failure destination names the request id, which prefixes the attempt)
        String nonce = java.util.UUID.randomUUID().toString().substring(0, 8);
        String attemptId = context == null || context.getAwsRequestId() == null ? nonce
                : context.getAwsRequestId() + "/" + nonce;
        JobReporter reporter = new JobReporter(Optional.of(store), job.id(), clock, attemptId, lease, outputs);
        SparkSession live = warm;
        if (live != null) {
            reporter.inApplication(live.sparkContext().applicationId());
        }
        String where = "lambda " + (context == null ? "?" : context.getFunctionName()) + " (" + config.memoryMb() + " MB)";
        // cold: the first job this environment runs (it paid for the environment's start, INIT included)
        RuntimeAttempts.Claim claim = reporter.claim(where, new dev.soal.core.RuntimeEnvironment(ENVIRONMENT_ID,
                        JOBS_RUN.get() == 0 && !primed, System.getenv(Primer.INITIALIZATION_TYPE)),
                dev.soal.core.Backend.LAMBDA);
        if (claim == RuntimeAttempts.Claim.RUN) {
            JOBS_RUN.incrementAndGet();
        }
        if (claim != RuntimeAttempts.Claim.RUN) {
            JobState now = store.get(job.id()).map(JobRecord::state).orElse(JobState.FAILED);
            String why = claim == RuntimeAttempts.Claim.ENDED ? "already ended"
                    : claim == RuntimeAttempts.Claim.MOVED ? "it moved to a cluster (spilled over)" : "held by another attempt";
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
        reporter.inApplication(session.sparkContext().applicationId());
        boolean[] shipped = {false};
        Runnable ship = () -> {
            shipped[0] = true;
            try {
                shipEventLog(session.sparkContext());
            } catch (Throwable e) { // the job's work is done: nothing here may change how it ended
                System.err.println("could not copy the event log: " + e);
            }
        };
        try (CancellationWatcher watcher = new CancellationWatcher(reporter, job.id(), session.sparkContext(), cancelPoll)) {
            return run(job, session, scratch, start, reporter, where, watcher, ship);
        } finally {
            session.sparkContext().clearJobGroup();
            deleteTree(scratch);
            if (!shipped[0]) {
                ship.run(); // the job failed, or was cancelled, before its end was recorded
            }
            cleanAfterJob();
        }
    }

    /**
     * The job's events, from the session's event log to the shared prefix, once Spark's listeners have taken them (its
     * event log is written by one of them, behind the others). A failure costs the History Server this job's view, not
     * the job.
     */
    private static void shipEventLog(org.apache.spark.SparkContext context) {
        if (eventLogs == null) {
            return;
        }
        try {
            if (context != null && !context.isStopped()) {
                context.listenerBus().waitUntilEmpty(EVENT_LOG_WAIT_MILLIS);
            }
        } catch (Exception e) {
            System.err.println("the event log may miss this job's last events: " + e);
        }
        try {
            eventLogs.ship();
        } catch (RuntimeException e) {
            System.err.println("could not copy the event log to the shared prefix: " + JobRunner.describe(e));
        }
    }

    static final long EVENT_LOG_WAIT_MILLIS = 5_000;
    static final String EVENT_LOG_FOLDER = "spark-events";

    /** The job's I/O staged under {@code scratch}, within half of the free space of {@code /tmp} (2 GB at most). */
    private StagedIo.Staged stage(RunnerArgs args, Path scratch) throws IOException {
        // a stream batch's input is its event, which the runner reads itself (once) from S3
        if (io == null || args.eventUri() != null) {
            return new StagedIo.Staged(args, Optional.empty(), null, 0, 0);
        }
        Files.createDirectories(scratch);
        long budget = Math.min(2L << 30, Files.getFileStore(scratch).getUsableSpace() / 2);
        return io.stage(args, scratch, budget);
    }

    /**
     * Leaves the warm environment as the next job should find it: no cached data, tables, functions,
     * databases or global temp views from this job, and {@code /tmp} empty but for the live context's own
     * folder. A job that added jars or files (which cannot be taken back) leaves the session to be replaced.
     */
    private synchronized void cleanAfterJob() {
        if (warm == null) {
            return;
        }
        try {
            SparkSession root = warm;
            root.catalog().clearCache();
            root.sharedState().globalTempViewManager().clear();
            // the shared catalog's own listings: persistent objects only, without building Spark's built-in functions
            org.apache.spark.sql.catalyst.catalog.ExternalCatalog catalog = root.sharedState().externalCatalog();
            for (String db : scala.collection.JavaConverters.seqAsJavaList(catalog.listDatabases())) {
                for (String f : scala.collection.JavaConverters.seqAsJavaList(catalog.listFunctions(db, "*"))) {
                    catalog.dropFunction(db, f);
                }
                for (String t : scala.collection.JavaConverters.seqAsJavaList(catalog.listTables(db))) {
                    catalog.dropTable(db, t, true, true);
                }
                if (!db.equals("default")) {
                    catalog.dropDatabase(db, true, true);
                }
            }
            if (root.sparkContext().listJars().size() + root.sparkContext().listFiles().size() > baseJars) {
                System.out.println("the job added jars or files: the next job gets a new Spark session");
                root.stop();
                warm = null;
                shipEventLog(null);
            } else if (replaceSession) {
                System.out.println("the job ran out of resources: the next job gets a new Spark session");
                root.stop();
                warm = null;
                shipEventLog(null);
            }
            replaceSession = false;
        } catch (RuntimeException e) {
            System.err.println("could not clean the session after the job (" + JobRunner.describe(e) + "); it will be replaced");
            warm.stop();
            warm = null;
            shipEventLog(null);
        }
        // /tmp is the environment's own in Lambda (and in the local service); a shared /tmp elsewhere is left alone
        if (System.getenv("AWS_LAMBDA_RUNTIME_API") != null || !config.tmp().equals(Path.of("/tmp"))) {
            emptyTmp(config.tmp(), keptInTmp(config.tmp(), System.getProperty("java.class.path"), warm != null));
        }
    }

    /**
     * What {@code /tmp} must keep between jobs: the live context's folders (Spark's, S3A's), and the folders of this JVM's own
     * classpath when it lies under {@code /tmp} (the local sandbox shows a checkout in a temporary folder there).
     */
    static java.util.Set<String> keptInTmp(Path tmp, String classpath, boolean liveContext) {
        java.util.Set<String> keep = new java.util.HashSet<>();
        if (liveContext) {
            keep.add("spark-local");
            // S3A's buffer folder: its file system looks its local folder up once and fails its next write
            // ("Could not find any valid local directory") if the folder is gone; its blocks are deleted once uploaded
            keep.add("s3a");
            // the live session's event log (EventLogShipper): its newest file is still being written
            keep.add(EVENT_LOG_FOLDER);
        }
        Path root = tmp.toAbsolutePath().normalize();
        for (String entry : classpath == null ? new String[0] : classpath.split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry.endsWith("*") ? entry.substring(0, entry.length() - 1) : entry).toAbsolutePath().normalize();
            if (p.startsWith(root) && !p.equals(root)) {
                keep.add(root.relativize(p).getName(0).toString());
            }
        }
        return keep;
    }

    /** Deletes everything in {@code tmp} but {@code keep} and the JVM's perf data. */
    static void emptyTmp(Path tmp, java.util.Set<String> keep) {
        try (Stream<Path> entries = Files.list(tmp)) {
            entries.filter(p -> !keep.contains(p.getFileName().toString()) && !p.getFileName().toString().startsWith("hsperfdata_"))
                    .forEach(SparkLambdaHandler::deleteTree);
        } catch (IOException e) {
            System.err.println("could not empty " + tmp + ": " + e.getMessage());
        }
    }

    /**
     * Starts the session during INIT, so the first job finds it ready. A query as well (a tiny aggregation, or a
     * CSV-to-Parquet one) took 4-10 s here, gave the cold job nothing measurable (bench/small-path.sh) and
     * pushed INIT towards Lambda's 10 s budget, so INIT stops at the session. A failure only means a colder job.
     */
    private void prime() {
        try {
            session();
            if (Primer.provisioned(System.getenv())) {
                // kept ready before any job (provisioned concurrency): INIT may take longer, and the first job finds it warm
                long ms = Primer.prime(warm, config.tmp());
                primed = true;
                System.out.println("primed for provisioned concurrency in " + ms + " ms (a built-in job; nothing of it is kept)");
            }
        } catch (Exception | LinkageError e) {
            System.err.println("the session did not start during INIT (the first job will try again): " + JobRunner.describe(e));
        }
    }

    /**
     * @param beforeSuccess what the environment does before a success is recorded (it copies the event log), not counted
     *                      in the job's duration: a job whose
     *                      end is seen is one whose environment is about to take the next, not one still busy with it
     *                      (a job sent then would start a new environment, cold, beside it)
     */
    private Map<String, Object> run(JobRecord job, SparkSession session, Path scratch, long start, JobReporter reporter,
                                    String where, CancellationWatcher watcher, Runnable beforeSuccess) {
        RunFlow.Outcome o;
        try (UsageMeter meter = new UsageMeter(session.sparkContext(), config.tmp())) {
            o = run(job, session, scratch, start, reporter, where, watcher, meter, beforeSuccess);
        }
        if (o.failure() != null && dev.soal.core.ResourceExhaustion.of(o.failure()).isPresent()) {
            replaceSession = true; // what ran out may have left the session broken: the next job gets a new one
        }
        // the invocation succeeds whatever the job did: its end is in the store, and a retry by Lambda would not help
        return result(job.id(), o.state(), o.millis(), o.message());
    }

    private RunFlow.Outcome run(JobRecord job, SparkSession session, Path scratch, long start, JobReporter reporter,
                                String where, CancellationWatcher watcher, UsageMeter meter, Runnable beforeSuccess) {
        return RunFlow.run(job.id(), reporter, watcher, clock, start, where,
                ms -> dev.soal.core.Prices.lambda(config.memoryMb(), ms), meter, () -> {
            StagedIo.Staged staged = stage(RunnerArgs.of(job, null), scratch);
            JobRunner.Result r = runner.run(session, staged.args(), scratch, watcher);
            String note = "";
            if (staged.uploadTo().isPresent()) {
                long t0 = System.nanoTime();
                int objects = this.io.upload(staged.localOutput(), staged.uploadTo().get());
                note = String.format("; inputs copied (%d KB in %d ms), output uploaded (%d objects in %d ms)",
                        staged.inputBytes() >> 10, staged.millis(), objects, (System.nanoTime() - t0) / 1_000_000);
            }
            long endedAt = clock.millis();
            beforeSuccess.run();
            return new RunFlow.Ran(r, note, endedAt);
        });
    }

    /** The container's session, started on first use with the Lambda-safe settings. */
    private synchronized SparkSession session() {
        if (warm == null) {
            long t0 = System.nanoTime();
            int cores = SparkSettings.coresFor(config.memoryMb(), Runtime.getRuntime().availableProcessors());
            SparkSession.Builder b = SparkSession.builder();
            SparkSettings.lambda(cores, config.tmp()).forEach(b::config);
            SparkSettings.s3a(config.s3()).forEach(b::config);
            SparkSettings.tables(config.tables()).forEach(b::config);
            if (config.eventLogDir() != null) {
                if (eventLogs == null) {
                    eventLogs = new EventLogShipper(S3Clients.create(config.s3()), config.tmp().resolve(EVENT_LOG_FOLDER),
                            config.eventLogDir());
                }
                eventLogs.prepare();
                eventLogs.settings().forEach(b::config);
            }
            warm = b.getOrCreate();
            baseJars = warm.sparkContext().listJars().size() + warm.sparkContext().listFiles().size();
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
