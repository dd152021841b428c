package dev.soal.router;

import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.SpillOvers;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The one place where what a backend says of a run is folded into the job record: a pure function of
 * the record, the backend's observation and the time, applied inside the store's conditional update.
 *
 * <ul>
 *   <li>An ended job never changes, but gains the run's cost once the backend knows it.</li>
 *   <li>Where the backend's own states are the progress (EMR Serverless, Glue), a non-terminal state
 *   keeps the backend's native state and message ("application concurrency limit reached" reaches the
 *   status), and a terminal one ends the job with them and the cost.</li>
 *   <li>Where the runtime reports (Lambda, the embedded paths), the runtime's word counts: a run that
 *   ended without a report ends the job (a clean exit without a report is a failure), unless a live
 *   attempt holds the job (a second delivery that declined to run also exits cleanly); a runtime whose
 *   lease lapsed (past {@code grace}) is gone, and the job ends FAILED, or CANCELLED if it was being
 *   cancelled.</li>
 * </ul>
 */
public final class StatusFold {
    private StatusFold() {
    }

    public static JobRecord fold(JobRecord j, BackendStatus s, boolean runtimeReports, Instant now, Duration grace) {
        if (j.state().isTerminal()) {
            return s.state().isTerminal() && s.cost() != null && j.cost() == null ? j.withCost(s.cost()) : j;
        }
        if (runtimeReports) {
            boolean live = j.attempt() != null && !j.attempt().until().plus(grace).isBefore(now);
            // a Lambda runtime that stopped reporting was killed (the timeout, an exit): its on-failure record, which may
            // spill the job over, says so; the backend's own word (no report past the function timeout) is the backstop
            boolean awaitsFailureRecord = j.decision().backend() == Backend.LAMBDA
                    && j.state() == JobState.RUNNING && SpillOvers.refusal(j).isEmpty();
            if (j.attempt() != null && !live && !awaitsFailureRecord) {
                JobState end = j.state() == JobState.CANCELLING ? JobState.CANCELLED : JobState.FAILED;
                return j.transition(end, "LEASE_EXPIRED", "the runtime stopped reporting: attempt " + j.attempt().owner()
                        + "'s lease expired at " + j.attempt().until()
                        + (s.message() == null ? "" : " (" + s.nativeState() + ": " + s.message() + ")"), now);
            }
            if (!s.state().isTerminal() || live) {
                return j;
            }
            boolean silent = s.state() == JobState.SUCCEEDED;
            JobState end = silent ? JobState.FAILED : s.state();
            String message = silent ? "the run ended (" + s.message() + ") without reporting a result" : s.message();
            return end(j, end, s, message, now);
        }
        boolean held = j.attempt() != null && !j.attempt().until().plus(grace).isBefore(now);
        if (s.state().isTerminal() && held) {
            // a live runner holds the job: its report counts (this may be a duplicate run that declined)
            return j;
        }
        if (!s.state().isTerminal()) {
            if (s.state() == j.state()) {
                return Objects.equals(s.nativeState(), j.nativeState()) && Objects.equals(s.message(), j.message()) ? j
                        : j.transition(j.state(), s.nativeState(), s.message(), now);
            }
            return j.state().canMoveTo(s.state()) ? j.transition(s.state(), s.nativeState(), s.message(), now) : j;
        }
        return end(j, s.state(), s, s.message(), now);
    }


    private static JobRecord end(JobRecord j, JobState end, BackendStatus s, String message, Instant now) {
        JobState to = j.state() == JobState.CANCELLING && end == JobState.FAILED ? JobState.CANCELLED : end;
        JobRecord moved = j.transition(j.state().canMoveTo(to) ? to : JobState.FAILED, s.nativeState(), message, now);
        return s.cost() == null ? moved : moved.withCost(s.cost());
    }
}
