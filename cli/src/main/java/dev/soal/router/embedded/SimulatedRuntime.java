package dev.soal.router.embedded;

import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.RuntimeAttempts;
import dev.soal.core.SubmitOutcome;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * For load tests of the router ({@code soal serve --simulate-runs MILLIS}): a stand-in for the runtime
 * that does everything a real runtime does to a job except Spark. A submit is accepted at once, like an
 * asynchronous Lambda invoke; on a small pool in this process, the stand-in claims the job as an attempt
 * ({@link RuntimeAttempts}, the same claim as the real runtime's), records the run it starts as an object
 * {@code <runsPrefix><jobId>/<attempt>} (so a test can count runs per job across processes), waits
 * {@code work}, and ends the job SUCCEEDED. A router that dies takes its runs with it, as a crashed
 * container would: their leases lapse.
 */
public final class SimulatedRuntime implements JobBackend {
    public static final String RUNS_PREFIX = "simulated-runs/";
    private static final int THREADS = 8;

    private final Backend kind;
    private final JobStore store;
    private final S3Client s3;
    private final String runsBucket;
    private final Duration work;
    private final Clock clock;
    private final ExecutorService pool;

    public SimulatedRuntime(Backend kind, JobStore store, S3Client s3, String runsBucket, Duration work, Clock clock) {
        this.kind = kind;
        this.store = store;
        this.s3 = s3;
        this.runsBucket = runsBucket;
        this.work = work;
        this.clock = clock;
        this.pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "soal-simulated-runtime");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Backend kind() {
        return kind;
    }

    @Override
    public boolean runtimeReportsProgress() {
        return true;
    }

    /** Long enough for a backlog in the pool to drain under load; a router that died takes its queue with it. */
    @Override
    public Duration startLease() {
        return Duration.ofSeconds(60);
    }

    @Override
    public SubmitOutcome submit(JobRecord job) {
        pool.submit(() -> run(job.id()));
        return new SubmitOutcome.Accepted("simulated:" + job.id(), "INVOKED");
    }

    private void run(String jobId) {
        try {
            String attempt = UUID.randomUUID().toString();
            JobRecord claimed = store.update(jobId, j -> RuntimeAttempts.claim(j, attempt, "a simulated runtime",
                    clock.instant(), RuntimeAttempts.DEFAULT_LEASE));
            if (RuntimeAttempts.outcome(claimed, attempt) != RuntimeAttempts.Claim.RUN) {
                return;
            }
            s3.putObject(r -> r.bucket(runsBucket).key(RUNS_PREFIX + jobId + "/" + attempt), RequestBody.empty());
            Thread.sleep(work.toMillis());
            store.update(jobId, j -> RuntimeAttempts.end(j, attempt, JobState.SUCCEEDED,
                    "simulated run of " + work.toMillis() + " ms", work.toMillis(), clock.instant()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("simulated run of job " + jobId + " failed: " + e.getMessage());
        }
    }

    /** The record tells (the stand-in reports into it, and its lease says whether it is alive). */
    @Override
    public BackendStatus status(JobRecord job) {
        return new BackendStatus(job.state(), "SIMULATED", null);
    }

    @Override
    public void cancel(JobRecord job) {
        // cooperative, as on Lambda: a run that has not claimed the job finds it CANCELLING and does not run
    }
}
