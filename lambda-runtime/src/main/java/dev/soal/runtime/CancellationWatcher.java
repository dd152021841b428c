package dev.soal.runtime;

import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import org.apache.spark.SparkContext;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Cooperative cancellation for the Lambda path (Lambda has no API to stop an invocation): while a job
 * runs, its record is read every {@code interval}; once it says CANCELLING, the job's Spark job group is
 * cancelled and {@link #cancelled()} turns true, which the runner also checks between statements.
 */
final class CancellationWatcher implements AutoCloseable {
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final ScheduledExecutorService timer;

    CancellationWatcher(JobStore store, String jobId, SparkContext spark, Duration interval) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "soal-cancel-" + jobId);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                if (cancelled.get() || store.get(jobId).map(j -> j.state() == JobState.CANCELLING).orElse(false)) {
                    cancelled.set(true);
                    // again on every tick: a job submitted after the first cancel is caught too
                    spark.cancelJobGroup(jobId);
                }
            } catch (RuntimeException e) {
                // the store is unreachable for a moment: look again next time
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean cancelled() {
        return cancelled.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
