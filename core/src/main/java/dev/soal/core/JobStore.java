package dev.soal.core;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where jobs are recorded, before anything is submitted, and where every path reports. Every guarantee
 * between processes (one job per idempotency key, no lost update, one runtime attempt at a time) rests
 * on the store's conditional writes, never on a lock inside one process.
 */
public interface JobStore {

    /** The result of {@link #create}. */
    sealed interface CreateOutcome {
        JobRecord job();

        /** This call recorded the job. */
        record Created(JobRecord job) implements CreateOutcome {
        }

        /** The key names a job recorded before, for the same request. */
        record Existing(JobRecord job) implements CreateOutcome {
        }

        /** The key names a job recorded before for a different request ({@link JobRequest#fingerprint()}). */
        record Conflict(JobRecord job) implements CreateOutcome {
        }
    }

    /**
     * Records a new job. With an idempotency key, the key is claimed in one conditional write that
     * carries {@code fingerprint} (of the request as asked: {@link JobRequest#fingerprint()}) and the whole job; a later call with the key gets the job
     * recorded under it (or a conflict when the request differs), even when the first caller died
     * between its writes.
     */
    CreateOutcome create(JobRecord job, String idempotencyKey, String fingerprint);

    /** {@link #create(JobRecord, String, String)} with the fingerprint of the job's request as recorded. */
    default CreateOutcome create(JobRecord job, String idempotencyKey) {
        return create(job, idempotencyKey, job.request().fingerprint());
    }

    Optional<JobRecord> get(String jobId);

    /**
     * Applies {@code change} to the current record and stores the result with a conditional write,
     * applying it again to the newer record when another writer came first. The change goes through
     * the transition table ({@link #checkedMove}), so an illegal move throws and writes nothing. A change
     * that returns the record unchanged writes nothing.
     */
    JobRecord update(String jobId, UnaryOperator<JobRecord> change);

    /**
     * What every store does with a change before writing it: {@code after}, when its state is the same as
     * {@code before}'s or a move {@link JobState}'s table allows; otherwise it throws, whatever built the record
     * ({@code transition} or a builder's {@code state}). The one move outside the table is a spill-over
     * ({@link SpillOvers}): RUNNING (or QUEUED) back to QUEUED on a cluster, once per job, with the Lambda attempt kept.
     */
    static JobRecord checkedMove(JobRecord before, JobRecord after) {
        if (before != null && after != null && after.state() != before.state()) {
            boolean spill = after.state() == JobState.QUEUED && before.state() == JobState.RUNNING
                    && before.spilledFrom() == null && after.spilledFrom() != null;
            if (!spill) {
                before.state().moveTo(after.state());
            }
        }
        return after;
    }

    /** A page of jobs, newest first; {@code nextToken} is null on the last page. */
    record Page(List<JobRecord> jobs, String nextToken) {
        public Page {
            jobs = List.copyOf(jobs);
        }
    }

    /**
     * Up to {@code limit} jobs, newest first, in {@code state} (null: any), after the page that gave
     * {@code pageToken} (null: from the newest). Reads an index, never all records.
     */
    Page list(JobState state, int limit, String pageToken);

    /** A page token the store did not give out. */
    final class InvalidPageTokenException extends IllegalArgumentException {
        public InvalidPageTokenException(String message) {
            super(message);
        }
    }

    /**
     * Jobs that have not ended (QUEUED, RUNNING, CANCELLING) and were created before {@code createdBefore},
     * newest first, up to {@code max}, from the index (younger jobs are skipped without being read). A
     * caller that gets {@code max} of them continues with the older ones by passing the oldest's
     * creation time.
     */
    List<JobRecord> unfinished(int max, java.time.Instant createdBefore);

    /** Every job that has not ended, newest first, up to {@code max}. */
    default List<JobRecord> unfinished(int max) {
        return unfinished(max, java.time.Instant.MAX);
    }

    /**
     * Where the reconciler's sweeps go on ({@link #unfinished}'s {@code createdBefore}), kept in the store so that
     * the next sweep finds it whichever execution environment runs it; empty: start from the newest.
     */
    Optional<java.time.Instant> sweepCursor();

    /** Records where the next sweep goes on; null: from the newest. */
    void sweepCursor(java.time.Instant createdBefore);

    /** What past runs took ({@link RunHistory}), kept beside the jobs; none by default. */
    default RunHistory history() {
        return RunHistory.NONE;
    }
}
