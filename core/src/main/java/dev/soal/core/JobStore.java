package dev.soal.core;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Where jobs are recorded, before anything is submitted, and where every path reports. */
public interface JobStore {

    /** The result of {@link #create}: the new job, or the one already recorded under the same idempotency key. */
    sealed interface CreateOutcome {
        JobRecord job();

        record Created(JobRecord job) implements CreateOutcome {
        }

        record Existing(JobRecord job) implements CreateOutcome {
        }
    }

    /** Records a new job unless one exists under {@code idempotencyKey}; then returns that one. */
    CreateOutcome create(JobRecord job, String idempotencyKey);

    Optional<JobRecord> get(String jobId);

    /**
     * Applies {@code change} to the current record and stores the result, retrying on a concurrent
     * writer. The change goes through the transition table, so an illegal move throws.
     */
    JobRecord update(String jobId, UnaryOperator<JobRecord> change);

    /** Up to {@code limit} jobs, newest first. */
    default List<JobRecord> list(int limit) {
        return list(limit, j -> true);
    }

    /** Up to {@code limit} jobs that pass {@code filter}, newest first (implementations may bound the scan). */
    List<JobRecord> list(int limit, java.util.function.Predicate<JobRecord> filter);
}
