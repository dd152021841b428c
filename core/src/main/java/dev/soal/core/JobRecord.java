package dev.soal.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A job as the job store keeps it: the request, what was measured and decided, and the unified state
 * with the backend's own state and message beside it.
 *
 * @param backendHandle the backend's id for the run (EMR job run id, Glue run id, process id, ...)
 * @param durationMillis how long the script ran, reported by the runner; null until it ends
 * @param cost           what the run cost at list prices, once the backend reports it
 */
public record JobRecord(
        String id,
        JobRequest request,
        Measurement measurement,
        RoutingDecision decision,
        JobState state,
        String nativeState,
        String message,
        String backendHandle,
        Instant createdAt,
        Instant updatedAt,
        Long durationMillis,
        Cost cost,
        List<StateChange> history) {

    public JobRecord {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("id must be set");
        }
        if (state == null) {
            throw new IllegalArgumentException("state must be set");
        }
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** A new job, QUEUED, with its first history entry. */
    public static JobRecord queued(String id, JobRequest request, Measurement measurement,
                                   RoutingDecision decision, Instant now) {
        return new JobRecord(id, request, measurement, decision, JobState.QUEUED, null, null, null, now, now,
                null, null, List.of(new StateChange(JobState.QUEUED, now, "decided: " + decision.backend())));
    }

    /**
     * The record moved to {@code next} through the transition table (throws if not allowed).
     * Moving to the state it already has only refreshes the native state and message.
     */
    public JobRecord transition(JobState next, String nativeState, String message, Instant now) {
        if (next == state) {
            return new JobRecord(id, request, measurement, decision, state, nativeState, message, backendHandle,
                    createdAt, now, durationMillis, cost, history);
        }
        JobState moved = state.moveTo(next);
        List<StateChange> h = new ArrayList<>(history);
        h.add(new StateChange(moved, now, message));
        return new JobRecord(id, request, measurement, decision, moved, nativeState, message, backendHandle,
                createdAt, now, durationMillis, cost, h);
    }

    public JobRecord withBackendHandle(String handle, Instant now) {
        return new JobRecord(id, request, measurement, decision, state, nativeState, message, handle,
                createdAt, now, durationMillis, cost, history);
    }

    public JobRecord withDuration(long millis) {
        return new JobRecord(id, request, measurement, decision, state, nativeState, message, backendHandle,
                createdAt, updatedAt, millis, cost, history);
    }

    public JobRecord withCost(Cost newCost) {
        return new JobRecord(id, request, measurement, decision, state, nativeState, message, backendHandle,
                createdAt, updatedAt, durationMillis, newCost, history);
    }

    /** The job re-routed to another backend (a fallback); only a job not yet submitted may move. */
    public JobRecord withDecision(RoutingDecision newDecision, Instant now) {
        if (backendHandle != null || state != JobState.QUEUED) {
            throw new IllegalStateException("job " + id + " was already submitted to " + decision.backend()
                    + "; it cannot move to " + newDecision.backend());
        }
        return new JobRecord(id, request, measurement, newDecision, state, nativeState, message, null,
                createdAt, now, durationMillis, cost, history);
    }

    /** When the job entered its current state. */
    public Instant enteredStateAt() {
        return history.isEmpty() ? createdAt : history.get(history.size() - 1).at();
    }
}
