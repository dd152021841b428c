package dev.soal.core;

import java.time.Instant;

/**
 * The Lambda attempt of a job that spilled over to a cluster ({@link SpillOvers}): what ran out, where, for how long,
 * and what it cost, kept in the job record beside the cluster's run.
 *
 * @param memoryMb       the Lambda tier it ran in
 * @param attempt        the runtime attempt's id (it starts with the Lambda request id), if one had claimed the job
 * @param environment    the execution environment it ran in, and whether it started cold, if known
 * @param kind           what ran out
 * @param message        what the attempt or Lambda said
 * @param durationMillis how long it ran before it stopped
 * @param cost           its cost at list prices (Lambda bills it whatever the outcome)
 * @param at             when the job spilled over
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record SpilledAttempt(Backend backend, int memoryMb, String attempt, RuntimeEnvironment environment,
                             ResourceExhaustion.Kind kind, String message,
                             long durationMillis, Cost cost, Instant at) {
    public SpilledAttempt {
        if (backend == null || kind == null || at == null) {
            throw new IllegalArgumentException("a spilled attempt needs its backend, what ran out and when");
        }
        if (durationMillis < 0) {
            throw new IllegalArgumentException("durationMillis must be >= 0, but was " + durationMillis);
        }
    }
}
