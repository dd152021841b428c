package dev.soal.core;

import java.time.Duration;

/** The expected outcomes of a submission, as types rather than exceptions. */
public sealed interface SubmitOutcome {
    /** The backend took the job; {@code handle} finds the run again. */
    record Accepted(String handle, String nativeState) implements SubmitOutcome {
    }

    /** The backend refused the job for good (bad configuration, validation); do not retry. */
    record Rejected(String reason) implements SubmitOutcome {
    }

    /**
     * The backend cannot take jobs now (its circuit breaker is open, or it kept failing) and has
     * <em>not</em> started a run for this job: falling back to another backend is safe.
     */
    record Unavailable(String reason) implements SubmitOutcome {
    }

    /** The submission failed in a way that says nothing reliable about the backend (an unexpected error). */
    record Failed(String reason) implements SubmitOutcome {
    }

    /** The backend is busy; try again after {@code retryAfter}. */
    record Throttled(Duration retryAfter, String reason) implements SubmitOutcome {
    }
}
