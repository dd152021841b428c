package dev.soal.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A job as the job store keeps it: the request, what was measured and decided, and the unified state
 * with the backend's own state and message beside it.
 *
 * @param backendHandle  the backend's id for the run (EMR job run id, Glue run id, process id, ...)
 * @param durationMillis how long the script ran, reported by the runner; null until it ends
 * @param cost           what the run cost at list prices, once the backend reports it
 * @param submitLease    the router that is submitting the job, until when: while it is live nobody else
 *                       submits; once it expires with no run started, the reconciler submits again
 * @param submits        how many submissions were started (the first is 1)
 * @param attempt        the runtime attempt that claimed the job (its lease is renewed while it runs);
 *                       null until a runtime claims it
 * @param environment    where that attempt runs, and whether it started cold; null before a claim
 * @param counted        the job's end has been counted in the metrics ({@link JobOutcomes}); false until then
 * @param spilledFrom    the Lambda attempt that ran out of resources before the job moved to a cluster
 *                       ({@link SpillOvers}); null for a job that did not spill over
 * @param usage          what the run took (heap, {@code /tmp}, rows and bytes written), as its runtime measured it;
 *                       null until it ends, or when it ended without a report
 * @param sparkApplicationId the Spark application the run is in, as its event log names it (on Lambda, the
 *                       environment's long-lived session: one application for every job it runs); null until known
 * @param progress       how far the run has got, as its runtime last reported it while it ran ({@link JobProgress})
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
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
        List<StateChange> history,
        Lease submitLease,
        int submits,
        Lease attempt,
        RuntimeEnvironment environment,
        boolean counted,
        SpilledAttempt spilledFrom,
        RunUsage usage,
        String sparkApplicationId,
        JobProgress progress) {

    public JobRecord {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("id must be set");
        }
        if (state == null) {
            throw new IllegalArgumentException("state must be set");
        }
        if (submits < 0) {
            throw new IllegalArgumentException("submits must be >= 0, but was " + submits);
        }
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** A new job, QUEUED, with its first history entry. */
    public static JobRecord queued(String id, JobRequest request, Measurement measurement,
                                   RoutingDecision decision, Instant now) {
        return new Builder().id(id).request(request).measurement(measurement).decision(decision)
                .state(JobState.QUEUED).createdAt(now).updatedAt(now)
                .history(List.of(new StateChange(JobState.QUEUED, now, "decided: " + decision.backend()))).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The record moved to {@code next} through the transition table (throws if not allowed).
     * Moving to the state it already has only refreshes the native state and message.
     */
    public JobRecord transition(JobState next, String nativeState, String message, Instant now) {
        if (next == state) {
            return toBuilder().nativeState(nativeState).message(message).updatedAt(now).build();
        }
        JobState moved = state.moveTo(next);
        List<StateChange> h = new ArrayList<>(history);
        h.add(new StateChange(moved, now, message));
        return toBuilder().state(moved).nativeState(nativeState).message(message).updatedAt(now).history(h).build();
    }

    /** The record in the same state with a new native state and message, kept in the history too (a takeover, a retry). */
    public JobRecord noted(String nativeState, String message, Instant now) {
        List<StateChange> h = new ArrayList<>(history);
        h.add(new StateChange(state, now, message));
        return toBuilder().nativeState(nativeState).message(message).updatedAt(now).history(h).build();
    }

    public JobRecord withBackendHandle(String handle, Instant now) {
        return toBuilder().backendHandle(handle).updatedAt(now).build();
    }

    public JobRecord withDuration(long millis) {
        return toBuilder().durationMillis(millis).build();
    }

    /**
     * The record with its run's cost; a job that spilled over pays for its Lambda attempt too, so its cost is the
     * sum of both, and says so.
     */
    public JobRecord withCost(Cost runCost) {
        if (spilledFrom == null || spilledFrom.cost() == null || runCost == null) {
            return toBuilder().cost(runCost).build();
        }
        Cost first = spilledFrom.cost();
        return toBuilder().cost(new Cost(first.usd() + runCost.usd(), "lambda attempt " + first.basis()
                + " + " + decision.backend() + " run " + runCost.basis())).build();
    }

    /** The job re-routed to another backend (a fallback); only a job not yet submitted may move. */
    public JobRecord withDecision(RoutingDecision newDecision, Instant now) {
        if (backendHandle != null || state != JobState.QUEUED) {
            throw new IllegalStateException("job " + id + " was already submitted to " + decision.backend()
                    + "; it cannot move to " + newDecision.backend());
        }
        return toBuilder().decision(newDecision).backendHandle(null).updatedAt(now).build();
    }

    /** When the job entered its current state. */
    public Instant enteredStateAt() {
        return history.isEmpty() ? createdAt : history.get(history.size() - 1).at();
    }

    /** Many fields, one builder: {@code job.toBuilder().message("..").build()}. */
    public static final class Builder {
        private String id;
        private JobRequest request;
        private Measurement measurement;
        private RoutingDecision decision;
        private JobState state;
        private String nativeState;
        private String message;
        private String backendHandle;
        private Instant createdAt;
        private Instant updatedAt;
        private Long durationMillis;
        private Cost cost;
        private List<StateChange> history = List.of();
        private Lease submitLease;
        private int submits;
        private Lease attempt;
        private RuntimeEnvironment environment;
        private boolean counted;
        private SpilledAttempt spilledFrom;
        private RunUsage usage;
        private String sparkApplicationId;
        private JobProgress progress;

        public Builder() {
        }

        Builder(JobRecord r) {
            id = r.id;
            request = r.request;
            measurement = r.measurement;
            decision = r.decision;
            state = r.state;
            nativeState = r.nativeState;
            message = r.message;
            backendHandle = r.backendHandle;
            createdAt = r.createdAt;
            updatedAt = r.updatedAt;
            durationMillis = r.durationMillis;
            cost = r.cost;
            history = r.history;
            submitLease = r.submitLease;
            submits = r.submits;
            attempt = r.attempt;
            environment = r.environment;
            counted = r.counted;
            spilledFrom = r.spilledFrom;
            usage = r.usage;
            sparkApplicationId = r.sparkApplicationId;
            progress = r.progress;
        }

        public Builder id(String v) { id = v; return this; }
        public Builder request(JobRequest v) { request = v; return this; }
        public Builder measurement(Measurement v) { measurement = v; return this; }
        public Builder decision(RoutingDecision v) { decision = v; return this; }
        public Builder state(JobState v) { state = v; return this; }
        public Builder nativeState(String v) { nativeState = v; return this; }
        public Builder message(String v) { message = v; return this; }
        public Builder backendHandle(String v) { backendHandle = v; return this; }
        public Builder createdAt(Instant v) { createdAt = v; return this; }
        public Builder updatedAt(Instant v) { updatedAt = v; return this; }
        public Builder durationMillis(Long v) { durationMillis = v; return this; }
        public Builder cost(Cost v) { cost = v; return this; }
        public Builder history(List<StateChange> v) { history = v; return this; }
        public Builder submitLease(Lease v) { submitLease = v; return this; }
        public Builder submits(int v) { submits = v; return this; }
        public Builder attempt(Lease v) { attempt = v; return this; }
        public Builder environment(RuntimeEnvironment v) { environment = v; return this; }
        public Builder counted(boolean v) { counted = v; return this; }
        public Builder spilledFrom(SpilledAttempt v) { spilledFrom = v; return this; }
        public Builder usage(RunUsage v) { usage = v; return this; }
        public Builder sparkApplicationId(String v) { sparkApplicationId = v; return this; }
        public Builder progress(JobProgress v) { progress = v; return this; }

        public JobRecord build() {
            return new JobRecord(id, request, measurement, decision, state, nativeState, message, backendHandle,
                    createdAt, updatedAt, durationMillis, cost, history, submitLease, submits, attempt, environment, counted, spilledFrom, usage,
                    sparkApplicationId, progress);
        }
    }
}
