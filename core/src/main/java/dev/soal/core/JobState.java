package dev.soal.core;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The one state machine every path reports into. Terminal states never change; every other move
 * must be listed in {@link #TRANSITIONS}, so a late or duplicate report cannot rewrite history.
 */
public enum JobState {
    QUEUED,
    RUNNING,
    CANCELLING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    TIMED_OUT;

    private static final Map<JobState, Set<JobState>> TRANSITIONS = Map.of(
            QUEUED, EnumSet.of(RUNNING, CANCELLING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT),
            RUNNING, EnumSet.of(CANCELLING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT),
            CANCELLING, EnumSet.of(CANCELLED, SUCCEEDED, FAILED, TIMED_OUT),
            SUCCEEDED, EnumSet.noneOf(JobState.class),
            FAILED, EnumSet.noneOf(JobState.class),
            CANCELLED, EnumSet.noneOf(JobState.class),
            TIMED_OUT, EnumSet.noneOf(JobState.class));

    public boolean isTerminal() {
        return TRANSITIONS.get(this).isEmpty();
    }

    public boolean canMoveTo(JobState next) {
        return TRANSITIONS.get(this).contains(next);
    }

    /** Returns {@code next}, or throws if the table does not allow the move. */
    public JobState moveTo(JobState next) {
        if (!canMoveTo(next)) {
            throw new IllegalStateTransitionException(this, next);
        }
        return next;
    }

    /** Thrown for a move the transition table does not allow. */
    public static final class IllegalStateTransitionException extends SoalException {
        public IllegalStateTransitionException(JobState from, JobState to) {
            super("illegal job state transition " + from + " -> " + to
                    + (from.isTerminal() ? " (" + from + " is terminal)" : ""), false);
        }
    }
}
