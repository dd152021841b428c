package dev.soal.core;

import java.time.Duration;
import java.time.Instant;

/**
 * How a runtime (the Lambda handler, the cluster runner) claims, holds and ends a job: pure functions
 * from a record to the next one, applied through {@link JobStore#update}, whose conditional write makes
 * each one atomic between processes.
 *
 * <ul>
 *   <li>{@link #claim}: before running, an attempt records itself ({@link JobRecord#attempt()}: its id and a
 *   lease). A delivery that finds a live attempt of another id does not run; one that finds the lease
 *   expired (a crashed container) takes over; a job being cancelled ends CANCELLED and does not run; a
 *   job that has ended is not run again.</li>
 *   <li>{@link #renew}: while it runs, the attempt renews its lease.</li>
 *   <li>{@link #end}: the attempt's result counts only while the job is still its own; a failure after
 *   a cancel was asked for ends CANCELLED.</li>
 * </ul>
 */
public final class RuntimeAttempts {
    /** How long an attempt holds a job without renewing; renewed every third of it. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private RuntimeAttempts() {
    }

    /** What a claim came to, read from the record the claim left. */
    public enum Claim {
        /** This attempt holds the job: run it. */
        RUN,
        /** Another live attempt holds the job: do not run. */
        HELD_ELSEWHERE,
        /** The job had ended, or was cancelled before it started: do not run. */
        ENDED,
        /** The job moved to another backend (it spilled over to a cluster): do not run it here. */
        MOVED
    }

    public static JobRecord claim(JobRecord j, String attemptId, String where, Instant now, Duration lease) {
        if (j.state().isTerminal()) {
            return j;
        }
        Lease held = j.attempt();
        boolean heldByOther = held != null && held.liveAt(now) && !held.ownedBy(attemptId);
        if (heldByOther) {
            return j;
        }
        if (j.state() == JobState.CANCELLING) {
            return j.transition(JobState.CANCELLED, "CANCELLED", held == null ? "cancelled before it started"
                    : "cancelled; attempt " + held.owner() + " stopped without reporting", now).toBuilder().attempt(held).build();
        }
        if (held != null && held.ownedBy(attemptId) && j.state() == JobState.RUNNING) {
            return renew(j, attemptId, now, lease);
        }
        String message = held == null ? "running on " + where
                : "running on " + where + " (attempt " + attemptId + " took over from " + held.owner()
                + ", whose lease expired at " + held.until() + ")";
        JobRecord running = j.state() == JobState.RUNNING ? j.noted("RUNNING", message, now)
                : j.transition(JobState.RUNNING, "RUNNING", message, now);
        return running.toBuilder().attempt(Lease.of(attemptId, now, lease)).build();
    }

    public static Claim outcome(JobRecord after, String attemptId) {
        if (after.state() == JobState.RUNNING && after.attempt() != null && after.attempt().ownedBy(attemptId)) {
            return Claim.RUN;
        }
        return after.state().isTerminal() ? Claim.ENDED : Claim.HELD_ELSEWHERE;
    }

    /** The lease extended when a third of it or less is left, while the job is this attempt's. */
    public static JobRecord renew(JobRecord j, String attemptId, Instant now, Duration lease) {
        Lease held = j.attempt();
        if (j.state().isTerminal() || held == null || !held.ownedBy(attemptId)) {
            return j;
        }
        if (Duration.between(now, held.until()).compareTo(lease.dividedBy(3).multipliedBy(2)) > 0) {
            return j;
        }
        return j.toBuilder().attempt(Lease.of(attemptId, now, lease)).updatedAt(now).build();
    }

    /** True while the record says the job is this attempt's to run. */
    public static boolean holds(JobRecord j, String attemptId) {
        return !j.state().isTerminal() && j.attempt() != null && j.attempt().ownedBy(attemptId);
    }

    /**
     * The attempt's result. Ignored when the job has ended or another attempt took it over; a FAILED
     * result for a job being cancelled is CANCELLED.
     */
    public static JobRecord end(JobRecord j, String attemptId, JobState state, String message, long durationMillis,
                                Instant now) {
        if (j.state().isTerminal() || (j.attempt() != null && !j.attempt().ownedBy(attemptId))) {
            return j;
        }
        JobState to = state;
        String text = message;
        if (j.state() == JobState.CANCELLING && state == JobState.FAILED) {
            to = JobState.CANCELLED;
            text = "cancelled (the run stopped with: " + message + ")";
        }
        if (!j.state().canMoveTo(to)) {
            return j;
        }
        return j.transition(to, to.name(), text, now).withDuration(durationMillis);
    }
}
