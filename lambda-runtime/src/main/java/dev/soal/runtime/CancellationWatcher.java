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
 * an invocation: this is the Lambda path's cancellation.
 */
final class CancellationWatcher implements AutoCloseable {
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean lostLease = new AtomicBoolean();
    /** Until when the lease is known to be this attempt's; past it without a renewal, the run stops. */
    private volatile java.time.Instant heldUntil = java.time.Instant.now().plus(java.time.Duration.ofSeconds(10));
    private final ScheduledExecutorService timer;

    CancellationWatcher(JobReporter reporter, String jobId, SparkContext spark, Duration interval) {
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

    boolean cancelled() {
        return cancelled.get();
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
