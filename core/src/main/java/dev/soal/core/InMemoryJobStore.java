package dev.soal.core;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The JobStore port in one process's memory, for tests of code above the store that need no S3 (the S3
 * store, and every guarantee between processes, is tested on S3). It keeps the port's rules: one change at
 * a time, moves through the transition table.
 */
public final class InMemoryJobStore implements JobStore {
    private final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();
    private final RunHistory history = new RunHistory.InMemory();

    @Override
    public RunHistory history() {
        return history;
    }

    @Override
    public synchronized CreateOutcome create(JobRecord job, String idempotencyKey, String fingerprint) {
        if (idempotencyKey != null) {
            String[] first = keys.putIfAbsent(idempotencyKey, new String[]{job.id(), fingerprint});
            if (first != null) {
                JobRecord existing = jobs.get(first[0]);
                return java.util.Objects.equals(first[1], fingerprint) ? new CreateOutcome.Existing(existing)
                        : new CreateOutcome.Conflict(existing);
            }
        }
        JobRecord before = jobs.putIfAbsent(job.id(), job);
        return before == null ? new CreateOutcome.Created(job) : new CreateOutcome.Existing(before);
    }

    /** Idempotency key: the job it names and the request's fingerprint. */
    private final Map<String, String[]> keys = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Optional<JobRecord> get(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public synchronized JobRecord update(String jobId, UnaryOperator<JobRecord> change) {
        return jobs.compute(jobId, (id, j) -> JobStore.checkedMove(j, change.apply(j)));
    }

    @Override
    public Page list(JobState state, int limit, String pageToken) {
        return new Page(jobs.values().stream().filter(j -> state == null || j.state() == state)
                .sorted(Comparator.comparing(JobRecord::id).reversed()).limit(limit).toList(), null);
    }

    @Override
    public List<JobRecord> unfinished(int max, java.time.Instant createdBefore) {
        return jobs.values().stream().filter(j -> !j.state().isTerminal() && j.createdAt().isBefore(createdBefore))
                .limit(max).toList();
    }

    private volatile java.time.Instant cursor;

    @Override
    public Optional<java.time.Instant> sweepCursor() {
        return Optional.ofNullable(cursor);
    }

    @Override
    public void sweepCursor(java.time.Instant createdBefore) {
        cursor = createdBefore;
    }
}
