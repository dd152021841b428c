package dev.soal.runtime;

import dev.soal.core.JobState;

import java.time.Clock;

/**
 * The one flow of a claimed run, on every path (the Lambda handler, and {@link RunnerMain} on a cluster): run the
 * script while the watcher renews the attempt's lease and watches for a cancel, then report exactly one end:
 * SUCCEEDED with what ran, CANCELLED when the job was being cancelled, FAILED otherwise (named "stopped" when the
 * lease could not be renewed). The entry points only present the outcome their way.
 */
final class RunFlow {
    /**
     * What the work ran, and a note for the success message (staged I/O, say).
     *
     * @param endedAt when the job's own work ended ({@code clock.millis()}), before what the environment does after it;
     *                -1 for when the work returned
     */
    record Ran(JobRunner.Result result, String note, long endedAt) {
        Ran(JobRunner.Result result, String note) {
            this(result, note, -1);
        }
    }

    /** The script's run: may throw whatever the script or Spark throws. */
    interface Work {
        Ran run() throws Exception;
    }

    /** How it ended, as reported; {@code failure} is what made it FAILED (null otherwise). */
    record Outcome(JobState state, long millis, String message, Throwable failure) {
    }

    private RunFlow() {
    }

    /**
     * @param watcher the lease renewer and cancel watcher, or null for a run with no job store (nothing to watch)
     * @param start   when the attempt began ({@code clock.millis()}), so the duration includes starting Spark
     */
    static Outcome run(String jobId, JobReporter reporter, CancellationWatcher watcher, Clock clock, long start,
                       String where, Work work) {
        return run(jobId, reporter, watcher, clock, start, where, null, null, work);
    }

    /**
     * @param attemptCost what this attempt costs for how long it ran, where a failure for lack of resources may spill
     *                    over to a cluster (the Lambda path, {@link dev.soal.core.SpillOvers}); null elsewhere
     * @param meter       measures what the run takes, kept with its end (null: not measured)
     */
    static Outcome run(String jobId, JobReporter reporter, CancellationWatcher watcher, Clock clock, long start,
                       String where, java.util.function.LongFunction<dev.soal.core.Cost> attemptCost, UsageMeter meter,
                       Work work) {
        Ran ran;
        try {
            ran = work.run();
        } catch (Exception | LinkageError | OutOfMemoryError e) {
            dev.soal.core.RunUsage usage = meter == null ? null : meter.stop();
            long took = clock.millis() - start;
            String message = JobRunner.describe(e);
            if (watcher != null && watcher.lostLease()) {
                message = "stopped: the job store could not be reached to renew the run's lease (" + message + ")";
            } else if (watcher != null && watcher.cancelled()) {
                reporter.cancelled(took, message);
                return new Outcome(JobState.CANCELLED, took, message, null);
            }
            java.util.Optional<dev.soal.core.ResourceExhaustion.Kind> kind = dev.soal.core.ResourceExhaustion.of(e);
            System.err.println("job " + jobId + " failed: " + message + kind.map(k -> " (" + k.text() + ")").orElse(""));
            if (kind.isPresent() && attemptCost != null && !(watcher != null && watcher.lostLease())) {
                // spills over, or reports FAILED saying why it did not
                if (reporter.exhausted(took, message, kind.get(), attemptCost.apply(took), usage)) {
                    return new Outcome(JobState.QUEUED, took, "spilled over (" + kind.get().text() + "): " + message, e);
                }
            } else {
                reporter.failed(took, message, usage);
            }
            return new Outcome(JobState.FAILED, took, message, e);
        }
        // outside the try: a report that cannot be written is not the script's failure
        long took = (ran.endedAt() >= 0 ? ran.endedAt() : clock.millis()) - start;
        if (!ran.result().printed().isEmpty()) {
            System.out.print(ran.result().printed());
        }
        String message = "ran " + ran.result().statements() + " statement(s) in " + took + " ms on " + where + ran.note();
        reporter.succeeded(took, message, meter == null ? null : meter.stop());
        return new Outcome(JobState.SUCCEEDED, took, message, null);
    }
}
