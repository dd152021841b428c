package dev.soal.runtime;

import dev.soal.core.JobOutcomes;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.RuntimeAttempts;
import dev.soal.core.SpillOvers;

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
    /** What the job's output location holds that an attempt begun then may have written ({@code OutputLocation}). */
    private final OutputCheck outputs;

    /** Whether an output location holds anything written since an instant: why it does, or empty. */
    interface OutputCheck {
        Optional<String> writtenSince(String outputUri, java.time.Instant since);

        /** For a reporter that cannot look: every location counts as written, so nothing spills over. */
        OutputCheck UNKNOWN = (uri, since) -> Optional.of("its output location could not be checked here");
    }

    JobReporter(Optional<JobStore> store, String jobId, Clock clock) {
        this(store, jobId, clock, UUID.randomUUID().toString(), RuntimeAttempts.DEFAULT_LEASE, OutputCheck.UNKNOWN);
    }

    JobReporter(Optional<JobStore> store, String jobId, Clock clock, String attemptId, Duration lease) {
        this(store, jobId, clock, attemptId, lease, OutputCheck.UNKNOWN);
    }

    JobReporter(Optional<JobStore> store, String jobId, Clock clock, String attemptId, Duration lease, OutputCheck outputs) {
        this.store = store;
        this.jobId = jobId;
        this.clock = clock;
        this.attemptId = attemptId;
        this.lease = lease;
        this.outputs = outputs;
    }

    String attemptId() {
        return attemptId;
    }

    /** The Spark application this attempt runs in (its event log's name), written with the claim and the end. */
    private volatile String sparkApplicationId;

    void inApplication(String applicationId) {
        this.sparkApplicationId = applicationId;
    }

    private JobRecord withApplication(JobRecord changed, JobRecord was) {
        return changed != was && sparkApplicationId != null && !sparkApplicationId.equals(changed.sparkApplicationId())
                ? changed.toBuilder().sparkApplicationId(sparkApplicationId).build() : changed;
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
        return claim(where, environment, null);
    }

    /**
     * The claim, on the path {@code path} only (null: any): a late delivery of a Lambda event for a job that has since
     * spilled over to a cluster finds the job {@link RuntimeAttempts.Claim#MOVED} and does not run it.
     */
    RuntimeAttempts.Claim claim(String where, dev.soal.core.RuntimeEnvironment environment, dev.soal.core.Backend path) {
        if (store.isEmpty()) {
            return RuntimeAttempts.Claim.RUN;
        }
        JobRecord after = store.get().update(jobId, j -> {
            if (path != null && j.decision().backend() != path) {
                return j;
            }
            JobRecord claimed = RuntimeAttempts.claim(j, attemptId, where, clock.instant(), lease);
            if (!RuntimeAttempts.holds(claimed, attemptId)) {
                return claimed;
            }
            if (claimed == j) {
                return j;
            }
            // a new attempt: an earlier one's progress is not its own
            JobRecord.Builder b = claimed.toBuilder().progress(null);
            if (environment != null) {
                b.environment(environment);
            }
            return withApplication(b.build(), j);
        });
        return path != null && after.decision().backend() != path && !after.state().isTerminal()
                ? RuntimeAttempts.Claim.MOVED : RuntimeAttempts.outcome(after, attemptId);
    }

    /** How far the run has got, into the record while this attempt holds it (nothing without a store). */
    void progress(dev.soal.core.JobProgress progress) {
        store.ifPresent(s -> s.update(jobId, j -> RuntimeAttempts.holds(j, attemptId) && !j.state().isTerminal()
                ? j.toBuilder().progress(progress).build() : j));
    }

    /** Renews the lease when due; the record as it is now (empty without a store). */
    Optional<JobRecord> renew() {
        return store.map(s -> s.update(jobId, j -> RuntimeAttempts.renew(j, attemptId, clock.instant(), lease)));
    }

    void cancelled(long durationMillis, String message) {
        end(JobState.CANCELLED, message, durationMillis, null);
    }

    void succeeded(long durationMillis, String message) {
        succeeded(durationMillis, message, null);
    }

    /** @param usage what the run took ({@link UsageMeter}), kept with its end; null when not measured */
    void succeeded(long durationMillis, String message, dev.soal.core.RunUsage usage) {
        end(JobState.SUCCEEDED, message, durationMillis, usage);
    }

    void failed(long durationMillis, String message) {
        failed(durationMillis, message, null);
    }

    void failed(long durationMillis, String message, dev.soal.core.RunUsage usage) {
        end(JobState.FAILED, message, durationMillis, usage);
    }

    /**
     * A failure for lack of resources ({@code kind}): the job spills over to its cluster backend when its decision
     * allows it ({@link SpillOvers}) and its output location holds nothing this attempt may have written; otherwise it
     * ends FAILED, saying why it did not spill over.
     *
     * @param cost what this attempt cost (Lambda bills it)
     * @return true when the job spilled over
     */
    boolean exhausted(long durationMillis, String message, dev.soal.core.ResourceExhaustion.Kind kind, dev.soal.core.Cost cost,
                      dev.soal.core.RunUsage usage) {
        if (store.isEmpty()) {
            failed(durationMillis, message, usage);
            return false;
        }
        // tried again for a while when the store cannot be reached, as an end is: the run happened
        for (int attempt = 1; ; attempt++) {
            try {
                return spillOrFail(durationMillis, message, kind, cost, usage);
            } catch (RuntimeException e) {
                if (attempt >= END_ATTEMPTS) {
                    throw e;
                }
                System.err.println("job " + jobId + ": reporting the spill-over failed (" + e.getMessage() + "); trying again");
                try {
                    Thread.sleep(200L << attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private boolean spillOrFail(long durationMillis, String message, dev.soal.core.ResourceExhaustion.Kind kind,
                                dev.soal.core.Cost cost, dev.soal.core.RunUsage usage) {
        JobRecord now = store.get().get(jobId).orElse(null);
        Optional<String> refused = now == null ? Optional.of("the job is not in the store")
                : !RuntimeAttempts.holds(now, attemptId) ? Optional.of("this attempt no longer holds it")
                : SpillOvers.refusal(now);
        if (refused.isEmpty()) {
            // since the job was created: an earlier attempt's writes count too
            refused = outputs.writtenSince(now.request().outputUri(), now.createdAt())
                    .map(why -> "a second attempt could mix its output with this one's: " + why);
        }
        if (refused.isPresent()) {
            // where spill-over is in play, the status says why this job did not spill
            boolean inPlay = now != null && now.decision().spillTo() != null;
            write(JobState.FAILED, inPlay ? message + " (" + kind.text() + "; not spilled over: " + refused.get() + ")" : message,
                    durationMillis, usage);
            return false;
        }
        java.util.concurrent.atomic.AtomicBoolean spilled = new java.util.concurrent.atomic.AtomicBoolean();
        store.get().update(jobId, j -> {
            spilled.set(false);
            if (RuntimeAttempts.holds(j, attemptId) && SpillOvers.refusal(j).isEmpty()) {
                spilled.set(true);
                return SpillOvers.spill(j, kind, message, durationMillis, cost, clock.instant());
            }
            JobRecord ended = RuntimeAttempts.end(j, attemptId, JobState.FAILED, message, durationMillis, clock.instant());
            return ended != j && usage != null ? ended.toBuilder().usage(usage).build() : ended;
        });
        return spilled.get();
    }

    /** Reports the result, trying again for a while when the store cannot be reached: the run happened. */
    private void end(JobState state, String message, long durationMillis, dev.soal.core.RunUsage usage) {
        for (int attempt = 1; ; attempt++) {
            try {
                write(state, message, durationMillis, usage);
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

    private void write(JobState state, String message, long durationMillis, dev.soal.core.RunUsage usage) {
        store.ifPresent(s -> {
            java.util.concurrent.atomic.AtomicReference<JobRecord> before = new java.util.concurrent.atomic.AtomicReference<>();
            JobRecord after = s.update(jobId, j -> {
                before.set(j);
                JobRecord ended = RuntimeAttempts.end(j, attemptId, state, message, durationMillis, clock.instant());
                if (ended != j && usage != null) {
                    ended = ended.toBuilder().usage(usage).build();
                }
                ended = withApplication(ended, j);
                // only where the line below reaches CloudWatch; elsewhere the router counts the end when it sees it
                return EMIT_METRICS ? JobOutcomes.markCounted(ended) : ended;
            });
            if (JobOutcomes.countedBy(before.get(), after)) {
                System.out.println(JobOutcomes.emfLine(METRICS_NAMESPACE, after, clock.instant()));
                dev.soal.core.RunHistory.recordEnd(s, after); // whoever counts an end adds it to the history
            }
        });
    }
}
