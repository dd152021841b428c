package dev.soal.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spill-over: a Lambda-path job that ran out of resources ({@link ResourceExhaustion}) runs again, once, on the cluster
 * backend its decision names ({@link RoutingDecision#spillTo()}), under the same job id. Pure functions of the record,
 * applied through {@link JobStore#update} by whoever sees the failure first: the runtime that caught it, or the router
 * that got Lambda's on-failure record (a timeout, an exit).
 *
 * <p>The spilled record is QUEUED again on the cluster backend, with no run, attempt or lease, so the router submits it
 * as it submits any job ({@code JobService}); the Lambda attempt is kept in {@link JobRecord#spilledFrom()}, its history
 * stays, and the status and the decision's reasons say why it moved.
 */
public final class SpillOvers {
    /** The native state of a job between its spill-over and its cluster run. */
    public static final String SPILLED_OVER = "SPILLED_OVER";
    private static final Pattern STATEMENT = Pattern.compile("^statement (\\d+) ");
    /** What a status keeps of the attempt's own words. */
    static final int SAID_MAX = 300;

    private SpillOvers() {
    }

    /**
     * Why the job may not spill over, or empty when it may: it must be on the Lambda path with a spill-over backend,
     * not have spilled before, and be queued or running (a job being cancelled ends CANCELLED instead).
     */
    public static Optional<String> refusal(JobRecord j) {
        if (j.decision().backend() != Backend.LAMBDA) {
            return Optional.of("it runs on " + j.decision().backend() + ", not lambda");
        }
        if (j.spilledFrom() != null) {
            return Optional.of("it spilled over once already");
        }
        if (j.decision().spillTo() == null) {
            return Optional.of("spill-over is off for it (lambda.spillOver in the policies, or no cluster backend here)");
        }
        if (j.state() != JobState.RUNNING && j.state() != JobState.QUEUED) {
            return Optional.of("it is " + j.state());
        }
        return Optional.empty();
    }

    /**
     * The job moved to its spill-over backend, QUEUED, with the Lambda attempt kept beside it. Call only when
     * {@link #refusal} is empty.
     *
     * @param said what the attempt or Lambda said of the failure
     * @param cost the Lambda attempt's cost at list prices
     */
    public static JobRecord spill(JobRecord j, ResourceExhaustion.Kind kind, String said, long durationMillis, Cost cost,
                                  Instant now) {
        Optional<String> no = refusal(j);
        if (no.isPresent()) {
            throw new IllegalStateException("job " + j.id() + " cannot spill over: " + no.get());
        }
        RoutingDecision d = j.decision();
        Backend to = d.spillTo();
        String text = said == null ? "" : said.length() > SAID_MAX ? said.substring(0, SAID_MAX) + "..." : said;
        Matcher statement = STATEMENT.matcher(text);
        String message = "spilled over: lambda " + d.lambdaMemoryMb() + " MB " + kind.text()
                + (statement.find() ? " in statement " + statement.group(1) : "")
                + " after " + Math.round(durationMillis / 1000.0) + " s -> " + to + (text.isEmpty() ? "" : " (" + text + ")");
        List<String> reasons = new ArrayList<>(d.reasons());
        reasons.add(message);
        List<StateChange> history = new ArrayList<>(j.history());
        history.add(new StateChange(JobState.QUEUED, now, message));
        SpilledAttempt attempt = new SpilledAttempt(Backend.LAMBDA, d.lambdaMemoryMb(),
                j.attempt() == null ? null : j.attempt().owner(), j.environment(), kind, text, durationMillis, cost, now);
        return j.toBuilder().decision(d.movedTo(to, reasons)).state(JobState.QUEUED).nativeState(SPILLED_OVER)
                .message(message).history(history).backendHandle(null).attempt(null).submitLease(null).submits(0)
                .durationMillis(null).cost(null).environment(null).progress(null).sparkApplicationId(null).updatedAt(now)
                .spilledFrom(attempt).build();
    }

    /** True for a job that spilled over and waits for its cluster run to be submitted. */
    public static boolean awaitsClusterSubmit(JobRecord j) {
        return j.spilledFrom() != null && j.state() == JobState.QUEUED && j.backendHandle() == null
                && SPILLED_OVER.equals(j.nativeState());
    }
}
