package dev.soal.runtime;

import dev.soal.core.JobRecord;
import dev.soal.core.JobStore;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/** The JobStore port in memory, for runtime tests that need no S3 (the S3 store is tested on S3). */
final class InMemoryJobStore implements JobStore {
    private final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();

    @Override
    public CreateOutcome create(JobRecord job, String idempotencyKey) {
        JobRecord before = jobs.putIfAbsent(job.id(), job);
        return before == null ? new CreateOutcome.Created(job) : new CreateOutcome.Existing(before);
    }

    @Override
    public Optional<JobRecord> get(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public synchronized JobRecord update(String jobId, UnaryOperator<JobRecord> change) {
        return jobs.compute(jobId, (id, j) -> change.apply(j));
    }

    @Override
    public List<JobRecord> list(int limit, java.util.function.Predicate<JobRecord> filter) {
        return jobs.values().stream().filter(filter).sorted(Comparator.comparing(JobRecord::id).reversed()).limit(limit).toList();
    }
}
