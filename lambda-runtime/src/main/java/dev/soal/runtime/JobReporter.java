package dev.soal.runtime;

import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;

import java.time.Clock;
import java.util.Optional;

/**
 * Writes the runtime's view of a job into the job store: RUNNING when it starts, SUCCEEDED or FAILED
 * (with message and duration) when it ends. Without a store it reports nowhere (a bare cluster run).
 */
final class JobReporter {
    private final Optional<JobStore> store;
    private final String jobId;
    private final Clock clock;

    JobReporter(Optional<JobStore> store, String jobId, Clock clock) {
        this.store = store;
        this.jobId = jobId;
        this.clock = clock;
    }

    /**
     * Marks the job RUNNING; false when it must not run: it is already terminal (a retried delivery),
     * or it was cancelled before it started (then it becomes CANCELLED here).
     */
    boolean running(String where) {
        if (store.isEmpty()) {
            return true;
        }
        JobRecord now = store.get().update(jobId, j -> {
            if (j.state() == JobState.CANCELLING) {
                return j.transition(JobState.CANCELLED, "CANCELLED", "cancelled before it started", clock.instant());
            }
            return j.state().isTerminal() || j.state() == JobState.RUNNING
                    ? j : j.transition(JobState.RUNNING, "RUNNING", "running on " + where, clock.instant());
        });
        return !now.state().isTerminal();
    }

    void cancelled(long durationMillis, String message) {
        end(JobState.CANCELLED, "CANCELLED", message, durationMillis);
    }

    void succeeded(long durationMillis, String message) {
        end(JobState.SUCCEEDED, "SUCCEEDED", message, durationMillis);
    }

    void failed(long durationMillis, String message) {
        end(JobState.FAILED, "FAILED", message, durationMillis);
    }

    private void end(JobState state, String nativeState, String message, long durationMillis) {
        store.ifPresent(s -> s.update(jobId, j -> j.state().isTerminal() || !j.state().canMoveTo(state) ? j
                : j.transition(state, nativeState, message, clock.instant()).withDuration(durationMillis)));
    }
}
