package dev.soal.core;

import java.time.Duration;
import java.time.Instant;

/**
 * A time-limited hold on a job, written into the job record with a conditional write: who holds it and
 * until when. A holder that stops renewing loses it when {@code until} passes, and anyone may take over.
 *
 * @param owner who holds it: a router instance, or a runtime attempt
 * @param until when the hold ends unless renewed
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record Lease(String owner, Instant until) {
    public Lease {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("lease owner must be set");
        }
        if (until == null) {
            throw new IllegalArgumentException("lease until must be set");
        }
    }

    public static Lease of(String owner, Instant now, Duration length) {
        return new Lease(owner, now.plus(length));
    }

    /** True while the hold has not expired at {@code now}. */
    public boolean liveAt(Instant now) {
        return until.isAfter(now);
    }

    public boolean ownedBy(String who) {
        return owner.equals(who);
    }
}
