package dev.soal.core;

import java.time.Instant;

/**
 * One finished job as the run history keeps it ({@link RunHistory}): where it ran and how it ended, the size of its
 * inputs (as measured, and as read by the policies' estimate), how long it took and what it used, and what ran out if
 * it spilled over from Lambda.
 *
 * @param memoryMb the Lambda tier (0 on a cluster)
 * @param usage    null when the runtime did not measure it (the run ended without a report)
 * @param spilled  what ran out on Lambda before the job moved to a cluster, or null
 * @param lambda   the Lambda attempt of a job that spilled over: its tier and how long it ran, or null
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record PastRun(String jobId, Instant endedAt, Backend backend, int memoryMb, long inputBytes, long estimatedBytes,
                      long durationMillis, JobState outcome, RunUsage usage, ResourceExhaustion.Kind spilled, Integer lambdaMemoryMb,
                      Long lambdaMillis) {
    public PastRun {
        if (jobId == null || endedAt == null || backend == null || outcome == null) {
            throw new IllegalArgumentException("a past run needs its job id, end, backend and outcome");
        }
    }

    /** The run as its ended record tells it; {@code estimatedBytes} is what the policies read its inputs as. */
    public static PastRun of(JobRecord ended, long estimatedBytes) {
        SpilledAttempt s = ended.spilledFrom();
        return new PastRun(ended.id(), ended.updatedAt(), ended.decision().backend(), ended.decision().lambdaMemoryMb(),
                ended.measurement() == null ? 0 : ended.measurement().totalBytes(), estimatedBytes,
                ended.durationMillis() == null ? 0 : ended.durationMillis(), ended.state(), ended.usage(),
                s == null ? null : s.kind(), s == null ? null : s.memoryMb(), s == null ? null : s.durationMillis());
    }
}
