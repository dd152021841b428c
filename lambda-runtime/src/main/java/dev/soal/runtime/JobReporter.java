package dev.soal.runtime;

import dev.soal.core.JobOutcomes;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.RuntimeAttempts;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * One runtime attempt at a job, as the job store sees it ({@link RuntimeAttempts}): it claims the job
 * before running (RUNNING, with the attempt's id and lease, in one conditional write), renews the lease
 * while it runs, and reports SUCCEEDED, FAILED or CANCELLED with message and duration. Without a store
 * it reports nowhere (a bare cluster run) and always runs.
 */
final class JobReporter {
    static final int END_ATTEMPTS = 5;
    static final String METRICS_NAMESPACE = System.getenv().getOrDefault("SOAL_METRICS_NAMESPACE", "SoAL");
    /**
     * In Lambda (or when asked with SOAL_METRICS=emf), whose standard output CloudWatch Logs turns into metrics:
     * the runtime counts the ends it writes ({@link JobOutcomes}).
     */
    static final boolean EMIT_METRICS = System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null
            || "emf".equals(System.getenv("SOAL_METRICS"));
    private final Optional<JobStore> store;
    private final String jobId;
    private final Clock clock;
    private final String attemptId;
    private final Duration lease;

    JobReporter(Optional<JobStore> store, String jobId, Clock clock) {
        this(store, jobId, clock, UUID.randomUUID().toString(), RuntimeAttempts.DEFAULT_LEASE);
    }

    JobReporter(Optional<JobStore> store, String jobId, Clock clock, String attemptId, Duration lease) {
        this.store = store;
        this.jobId = jobId;
        this.clock = clock;
        this.attemptId = attemptId;
        this.lease = lease;
    }

    String attemptId() {
        return attemptId;
    }

    Duration lease() {
        return lease;
    }

    /**
     * Claims the job for this attempt; RUN only when this attempt now holds it. A job that has ended, is
     * being cancelled (it becomes CANCELLED here), or is held by another live attempt is not run.
     */
    RuntimeAttempts.Claim claim(String where) {
        return claim(where, null);
    }

    /** The claim, recording the environment the attempt runs in when it gets the job. */
    RuntimeAttempts.Claim claim(String where, dev.soal.core.RuntimeEnvironment environment) {
        if (store.isEmpty()) {
            return RuntimeAttempts.Claim.RUN;
        }
        JobRecord after = store.get().update(jobId, j -> {
            JobRecord claimed = RuntimeAttempts.claim(j, attemptId, where, clock.instant(), lease);
            return environment != null && RuntimeAttempts.holds(claimed, attemptId) && claimed != j
                    ? claimed.toBuilder().environment(environment).build() : claimed;
        });
        return RuntimeAttempts.outcome(after, attemptId);
    }

    /** Renews the lease when due; the record as it is now (empty without a store). */
    Optional<JobRecord> renew() {
        return store.map(s -> s.update(jobId, j -> RuntimeAttempts.renew(j, attemptId, clock.instant(), lease)));
    }

    void cancelled(long durationMillis, String message) {
        end(JobState.CANCELLED, message, durationMillis);
    }

    void succeeded(long durationMillis, String message) {
        end(JobState.SUCCEEDED, message, durationMillis);
    }

    void failed(long durationMillis, String message) {
        end(JobState.FAILED, message, durationMillis);
    }

    /** Reports the result, trying again for a while when the store cannot be reached: the run happened. */
    private void end(JobState state, String message, long durationMillis) {
        for (int attempt = 1; ; attempt++) {
            try {
                write(state, message, durationMillis);
                return;
            } catch (RuntimeException e) {
                if (attempt >= END_ATTEMPTS) {
                    throw e;
                }
                System.err.println("job " + jobId + ": reporting " + state + " failed (" + e.getMessage() + "); trying again");
                try {
                    Thread.sleep(200L << attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private void write(JobState state, String message, long durationMillis) {
        store.ifPresent(s -> {
            java.util.concurrent.atomic.AtomicReference<JobRecord> before = new java.util.concurrent.atomic.AtomicReference<>();
            JobRecord after = s.update(jobId, j -> {
                before.set(j);
                JobRecord ended = RuntimeAttempts.end(j, attemptId, state, message, durationMillis, clock.instant());
                // only where the line below reaches CloudWatch; elsewhere the router counts the end when it sees it
                return EMIT_METRICS ? JobOutcomes.markCounted(ended) : ended;
            });
            if (JobOutcomes.countedBy(before.get(), after)) {
                System.out.println(JobOutcomes.emfLine(METRICS_NAMESPACE, after, clock.instant()));
            }
        });
    }
}
