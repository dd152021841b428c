package dev.soal.runtime;

import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.RuntimeAttempts;
import org.apache.spark.SparkContext;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watches the job record while the job runs, every {@code interval}: renews the attempt's lease when it
 * is due, and stops the run (cancels its Spark job group; {@link #cancelled()} turns true, which the
 * runner also checks between statements) once the record says CANCELLING, or that the job is no longer
 * this attempt's (another attempt took it over after this one's lease lapsed). Lambda has no API to stop
 * an invocation: this is the Lambda path's cancellation. It also reports the run's progress into the record
 * ({@link RunProgress}: the statement, and the running stages' tasks), when it moved, at most every
 * {@link #PROGRESS_INTERVAL}.
 */
final class CancellationWatcher implements AutoCloseable, RunControl {
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    /** Progress is written no more often: a write to the store per this while the run moves. */
    static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(2);

    private final RunProgress progress;
    private volatile dev.soal.core.JobProgress reported;
    private volatile long reportedAt;

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean lostLease = new AtomicBoolean();
    /** Until when the lease is known to be this attempt's; past it without a renewal, the run stops. */
    private volatile java.time.Instant heldUntil = java.time.Instant.now().plus(java.time.Duration.ofSeconds(10));
    private final ScheduledExecutorService timer;

    CancellationWatcher(JobReporter reporter, String jobId, SparkContext spark, Duration interval) {
        this.progress = new RunProgress(spark, jobId);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "soal-watch-" + jobId);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                Optional<JobRecord> now = reporter.renew();
                now.filter(j -> RuntimeAttempts.holds(j, reporter.attemptId()))
                        .ifPresent(j -> heldUntil = j.attempt().until());
                boolean stop = now.map(j -> j.state() == JobState.CANCELLING
                        || !RuntimeAttempts.holds(j, reporter.attemptId())).orElse(false);
                if (cancelled.get() || stop) {
                    cancelled.set(true);
                    // again on every tick: a job submitted after the first cancel is caught too
                    spark.cancelJobGroup(jobId);
                } else {
                    report(reporter);
                }
            } catch (RuntimeException e) {
                // the store is unreachable: look again next time, but stop before the lease lapses
                // (another attempt may take the job over then)
                if (java.time.Instant.now().plus(interval).isAfter(heldUntil)) {
                    lostLease.set(true);
                    cancelled.set(true);
                    spark.cancelJobGroup(jobId);
                }
            }
        }, 0, Math.min(interval.toMillis(), reporter.lease().toMillis() / 3), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean cancelled() {
        return cancelled.get();
    }

    @Override
    public void statement(int index, int count, String sql) {
        progress.statement(index, count, sql);
    }

    /**
     * The progress, when it moved since it was last written and that was long enough ago. A failure to tell it is
     * said and left: it must not count as the store being out of reach, which would stop the run.
     */
    private void report(JobReporter reporter) {
        try {
            tell(reporter);
        } catch (RuntimeException e) {
            System.err.println("could not report the job's progress: " + JobRunner.describe(e));
        }
    }

    private void tell(JobReporter reporter) {
        long now = System.nanoTime();
        if (reported != null && now - reportedAt < PROGRESS_INTERVAL.toNanos()) {
            return;
        }
        dev.soal.core.JobProgress p = progress.now(java.time.Instant.now());
        if (p != null && !p.sameAs(reported)) {
            reporter.progress(p);
            reported = p;
            reportedAt = now;
        }
    }

    /** True when the run was stopped because its lease could not be renewed (not because anyone asked). */
    boolean lostLease() {
        return lostLease.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
